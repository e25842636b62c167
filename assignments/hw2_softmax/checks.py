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
from grader.training.pipeline import TrainingSettings

from . import functions, tracking, training
from .student import Hw2Submission


@dataclass(frozen=True, kw_only=True)
class Settings(TrainingSettings):
    """A profile's settings (``[profiles.<name>.settings]``): the pipeline's, and the fixed run's rate and batch."""

    fixed_learning_rate: float
    fixed_batch_size: int
    min_settings: int = 9


PLUGIN = Plugin(checks=checks_in(functions, tracking), state=Hw2Submission, settings=Settings,
                training=training.PIPELINE)
