"""Public checks of gd_shallow: part 1 at the published points and rates,
part 2's training run, search and chosen network on the test set, part 3's
improvement. They ship with the assignment; the comparisons with the
reference on hidden random cases live in ``reference/gd_shallow/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin, checks_in
from grader.training.pipeline import TrainingSettings

from . import quartic, training


@dataclass(frozen=True, kw_only=True)
class Settings(TrainingSettings):
    """A profile's settings (``[profiles.<name>.settings]``): the pipeline's, the fixed run's rate and 3.1's gain."""

    fixed_learning_rate: float
    improvement: float
    """3.1's full credit: the improved network beats part 2's by this much test accuracy."""


PLUGIN = Plugin(checks=checks_in(quartic, training), settings=Settings, training=training.PIPELINE)
