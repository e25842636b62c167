"""Public checks of gd_shallow: part 1 at the published points and rates,
part 2's training run, search and chosen network on the test set, part 3's
improvement. They ship with the assignment; the comparisons with the
reference on hidden random cases live in ``reference/gd_shallow/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin, checks_in

from . import quartic, training


@dataclass(frozen=True)
class Settings:
    """A profile's settings (``[profiles.<name>.settings]`` in assignment.toml)."""

    train_subset: int
    """Training images the child gets: 0 for all 50,000, else a stratified subset."""
    validation_size: int
    fixed_learning_rate: float
    fixed_epochs: int
    fixed_accuracy: float
    """2.4's validation-accuracy floor for the fixed-setting run."""
    test_accuracy: float
    test_accuracy_floor: float
    """2.6 ramps from no credit at the floor to full credit at the threshold."""
    improvement: float
    """3.1's full credit: the improved network beats part 2's by this much test accuracy."""
    min_settings: int = 5
    """2.5's full credit: this many learning rates tried."""


PLUGIN = Plugin(checks=checks_in(quartic, training), settings=Settings, child_files=training.child_files,
                training=training.PIPELINE)
