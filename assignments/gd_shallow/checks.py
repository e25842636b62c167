"""Public checks of gd_shallow: part 1 at the published points and rates,
part 2's training run, search and chosen network on the test set, part 3's
improvement. They ship with the assignment; the comparisons with the
reference on hidden random cases live in ``reference/gd_shallow/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin

from .network import child_files
from .quartic import best_learning_rate, descent_course_rates, functions_at_points, local_minimum
from .state import GdState
from .training import improvement, search_rates, test_accuracy, train_fixed


@dataclass(frozen=True)
class Settings:
    """A profile's settings (``[profiles.<name>.settings]`` in assignment.toml)."""

    train_subset: int = 0
    """Training images the child gets: 0 for all 50,000, else a stratified subset."""
    validation_size: int = 10_000
    fixed_learning_rate: float = 0.5
    fixed_epochs: int = 2
    fixed_accuracy: float = 0.78
    """2.4's validation-accuracy floor for the fixed-setting run."""
    min_rates: int = 5
    test_accuracy: float = 0.83
    test_accuracy_floor: float = 0.77
    """2.6 ramps from no credit at the floor to full credit at the threshold."""
    improvement: float = 0.005
    """3.1's full credit: the improved network beats part 2's by this much test accuracy."""


PLUGIN = Plugin(
    checks={"functions_at_points": functions_at_points, "descent_course_rates": descent_course_rates,
            "local_minimum": local_minimum, "best_learning_rate": best_learning_rate, "train_fixed": train_fixed,
            "search_rates": search_rates, "test_accuracy": test_accuracy, "improvement": improvement},
    state=GdState,
    settings=Settings,
    child_files=child_files,
)
