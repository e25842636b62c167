"""Public checks of hw6_mnist: pack/unpack (a.1), gradCE against finite
differences of the student's own fCE (a.7), the train checks (a.8, a.9), the
hyperparameter search (b) and test performance (c). They ship with the
assignment; the comparisons of fCE and gradCE with the reference (a.2-a.6)
live in ``reference/hw6_mnist/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin

from .part_a import finite_differences, pack_unpack
from .search import search_choice, search_data, search_settings
from .state import Hw6State
from .testset import test_accuracy, test_ce
from .training import child_files, train_accuracy, train_lowers_loss


@dataclass(frozen=True)
class Settings:
    """A profile's settings (``[profiles.<name>.settings]`` in assignment.toml)."""

    train_subset: int = 0
    """Training examples the child gets: 0 for the whole split, else a stratified subset."""
    test_ce: float = 0.16
    test_accuracy: float = 0.95
    test_ce_floor: float = 0.30
    """(c) ramps: no credit at or beyond the floor, full credit at the threshold."""
    test_accuracy_floor: float = 0.90
    train_check_epochs: int = 1
    train_check_accuracy: float = 0.90


PLUGIN = Plugin(
    checks={"pack_unpack": pack_unpack, "finite_differences": finite_differences,
            "train_lowers_loss": train_lowers_loss, "train_accuracy": train_accuracy,
            "search_settings": search_settings, "search_choice": search_choice, "search_data": search_data,
            "test_ce": test_ce, "test_accuracy": test_accuracy},
    state=Hw6State,
    settings=Settings,
    child_files=child_files,
)
