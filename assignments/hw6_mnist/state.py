"""Everything hw6_mnist's public checks learn about a submission, each
computed once, on first use: the network facts (``student``), the training
data, the fixed-setting train run, the recorded search and the test figures."""

from __future__ import annotations

from functools import cached_property

from grader.checks.search import SearchRecord
from grader.rubric import Outcome

from . import search, testset, training
from .student import Hw6Submission


class Hw6State(Hw6Submission):
    @cached_property
    def data(self) -> training.Data:
        return training.load_data(self.ctx)

    @cached_property
    def train_run(self) -> training.TrainRun | Outcome:
        return training.run_train_check(self)

    @cached_property
    def search(self) -> SearchRecord:
        return search.run_search(self)

    @cached_property
    def test_figures(self) -> testset.TestFigures | Outcome:
        return testset.test_metrics(self)
