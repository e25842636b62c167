"""Public checks of hw6_mnist: pack/unpack (a.1), gradCE against finite
differences of the student's own fCE (a.7), the train checks (a.8, a.9), the
hyperparameter search (b) and test performance (c). They ship with the
assignment; the comparisons of fCE and gradCE with the reference (a.2-a.6)
live in ``reference/hw6_mnist/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin, checks_in
from grader.training.pipeline import TrainingSettings

from . import part_a, search, training
from .student import Hw6Submission


@dataclass(frozen=True, kw_only=True)
class Settings(TrainingSettings):
    """A profile's settings (``[profiles.<name>.settings]``): the pipeline's, and (c)'s CE ramp."""

    test_ce: float
    test_ce_floor: float
    """(c)'s CE: full credit below the threshold, none at or beyond the floor."""
    min_settings: int = 10


PLUGIN = Plugin(checks=checks_in(part_a, training, search), state=Hw6Submission, settings=Settings,
                training=search.PIPELINE)
