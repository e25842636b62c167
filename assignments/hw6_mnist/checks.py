"""Public checks of hw6_mnist: pack/unpack (a.1), gradCE against finite
differences of the student's own fCE (a.7), the train checks (a.8, a.9), the
hyperparameter search (b) and test performance (c). They ship with the
assignment; the comparisons of fCE and gradCE with the reference (a.2-a.6)
live in ``reference/hw6_mnist/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin, checks_in

from . import part_a, search, training
from .student import Hw6Submission


@dataclass(frozen=True)
class Settings:
    """A profile's settings (``[profiles.<name>.settings]`` in assignment.toml)."""

    train_subset: int
    """Training examples the child gets: 0 for the whole split, else a stratified subset."""
    test_ce: float
    test_accuracy: float
    test_ce_floor: float
    """(c) ramps: no credit at or beyond the floor, full credit at the threshold."""
    test_accuracy_floor: float
    train_check_epochs: int
    train_check_accuracy: float
    min_settings: int = 10
    """b.1's full credit: this many distinct settings tried."""


PLUGIN = Plugin(checks=checks_in(part_a, training, search), state=Hw6Submission, settings=Settings,
                child_files=training.child_files, training=search.PIPELINE)
