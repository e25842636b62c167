"""Everything hw2_softmax's public checks learn about a submission, each
computed once, on first use: the calling conventions (``student``), the data,
the fixed-setting run, the recorded search (with its wandb runs), the chosen
model and its test figures."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from grader.checks.search import SearchRecord
from grader.rubric import Outcome

from . import search, training
from .student import Hw2Submission


class Hw2State(Hw2Submission):
    @cached_property
    def data(self) -> training.Data:
        return training.load_data(self.ctx)

    @cached_property
    def train_run(self) -> training.TrainRun | Outcome:
        return training.run_fixed(self)

    @cached_property
    def search(self) -> SearchRecord:
        return search.run_search(self)

    @cached_property
    def chosen_model(self) -> tuple[tuple[np.ndarray, np.ndarray], str] | Outcome:
        return search.chosen_model(self)

    @cached_property
    def test_figures(self) -> training.TestFigures | Outcome:
        return training.test_figures(self)
