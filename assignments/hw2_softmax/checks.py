"""Public checks of hw2_softmax: compute_gradient at the example and against
finite differences of the student's own loss (P1), softmax, the loss at the
example, accuracy, a fixed-setting training run, the hyperparameter search
and the chosen model's test accuracy (P2), and the experiment tracking the
search records (P3 A and B). They ship with the assignment; the comparisons
with the reference on hidden random problems live in
``reference/hw2_softmax/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin

from .functions import accuracy, gradient_example, gradient_finite_differences, loss_example, softmax_batches, \
    softmax_stable
from .search import search_settings
from .state import Hw2State
from .tracking import logging, runs_per_setting
from .training import child_files, test_accuracy, train_fixed


@dataclass(frozen=True)
class Settings:
    """A profile's settings (``[profiles.<name>.settings]`` in assignment.toml)."""

    train_subset: int = 0
    """Training images the child gets: 0 for all 50,000, else a stratified subset of them."""
    validation_size: int = 10_000
    """The validation split carved from the training file (stratified, seed 0)."""
    test_accuracy: float = 0.82
    test_accuracy_floor: float = 0.75
    """2.8 ramps from no credit at the floor to full credit at the threshold."""
    train_check_learning_rate: float = 0.1
    train_check_batch_size: int = 100
    train_check_epochs: int = 3
    train_check_accuracy: float = 0.80
    min_settings: int = 9


PLUGIN = Plugin(
    checks={"gradient_example": gradient_example, "gradient_finite_differences": gradient_finite_differences,
            "softmax_batches": softmax_batches, "softmax_stable": softmax_stable, "loss_example": loss_example,
            "accuracy": accuracy, "train_fixed": train_fixed, "search_settings": search_settings,
            "test_accuracy": test_accuracy, "runs_per_setting": runs_per_setting, "logging": logging},
    state=Hw2State,
    settings=Settings,
    child_files=child_files,
)
