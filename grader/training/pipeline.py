"""What a training homework declares to the core (``Plugin(training=Pipeline(...))``):
the facts its items share (its data, its fixed-setting run, its search, the
chosen model on the test set), how its search's return value names a trial,
and the hints of the built-in items (``grader.training.checks``) in its
course's words. The manifest then names a built-in item's check as
``training.<name>``; the homework writes no code for it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from grader.rubric import Outcome
from grader.training.fixed import FixedRun
from grader.training.testset import TestFigures
from grader.training.trials import SearchRecord, Trial

if TYPE_CHECKING:
    from grader.context import CheckContext


@dataclass(frozen=True)
class Pipeline:
    search: Callable[[CheckContext], SearchRecord]
    """The fact of the recorded search (``grader.training.search.run_search``)."""
    choose: Callable[[SearchRecord], "tuple[Trial | None, str]"]
    """The trial the search's return value names, and how it was matched."""
    train: str
    """The training function the search calls (spied on)."""
    test_figures: Callable[[CheckContext], TestFigures | Outcome] | None = None
    fixed_run: Callable[[CheckContext], FixedRun | Outcome] | None = None
    n_train: Callable[[CheckContext], int] | None = None
    """How many training examples the child was given (for ``trained_on_training_data``)."""
    effective: Callable[[CheckContext, SearchRecord], "tuple[int, list[str]]"] | None = None
    """Distinct settings that changed the trained model, and why some did not."""
    visible: Callable[[list[Trial]], bool] | None = None
    """Whether the completed trials' calls showed any hyperparameter (else they count as one setting)."""
    setting: str = "setting"
    """What the feedback calls one of the search's settings ("learning rate")."""
    diverged_ce: float = math.inf
    """A fixed run whose validation CE is above this (or not finite) diverged."""
    hints: Mapping[str, str] = field(default_factory=dict)
    """Built-in item name (``fixed_learns``, ``fixed_learns.diverged``, ``settings_tried``,
    ``choice_is_best``, ``trained_on_training_data``, ``test_accuracy``, ``test_ce``) -> its hint."""

    def diverged(self, ce: float) -> bool:
        return not math.isfinite(ce) or ce > self.diverged_ce

    def hint(self, name: str, default: str = "") -> str:
        return self.hints.get(name, default)

    def needs(self, what: Any, name: str) -> Any:
        if what is None:
            raise AssertionError(f"the built-in item training.{name} needs the pipeline to declare it")
        return what
