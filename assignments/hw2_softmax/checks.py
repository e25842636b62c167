"""Public checks of hw2_softmax: compute_gradient at the example and against
finite differences of the student's own loss (P1), softmax, the loss at the
example, accuracy, a fixed-setting training run, the hyperparameter search
and the chosen model's test accuracy (P2), and the experiment tracking the
search records (P3 A and B). They ship with the assignment; the comparisons
with the reference on hidden random problems live in
``reference/hw2_softmax/hidden.py``."""

from __future__ import annotations

from dataclasses import dataclass

from grader.plugin import Plugin, checks_in

from . import functions, tracking, training
from .student import Hw2Submission


@dataclass(frozen=True)
class Settings:
    """A profile's settings (``[profiles.<name>.settings]`` in assignment.toml)."""

    train_subset: int
    """Training images the child gets: 0 for all 50,000, else a stratified subset of them."""
    validation_size: int
    """The validation split carved from the training file (stratified, seed 0)."""
    test_accuracy: float
    test_accuracy_floor: float
    """2.8 ramps from no credit at the floor to full credit at the threshold."""
    fixed_learning_rate: float
    fixed_batch_size: int
    fixed_epochs: int
    fixed_accuracy: float
    """2.6's fixed-setting run and the validation accuracy it must reach."""
    min_settings: int = 9


PLUGIN = Plugin(checks=checks_in(functions, tracking), state=Hw2Submission, settings=Settings,
                child_files=training.child_files, training=training.PIPELINE)
