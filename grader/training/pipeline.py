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
from grader.training import facts
from grader.training.fixed import Fixed, FixedRun
from grader.training.search import Search
from grader.training.split import Split, SplitData
from grader.training.testset import TestFigures, TestSet
from grader.training.trials import SearchRecord, Trial

if TYPE_CHECKING:
    from grader.context import CheckContext


@dataclass(frozen=True, kw_only=True)
class TrainingSettings:
    """The profile settings the core's training pipeline reads; a homework's
    ``Settings`` subclasses it with its own (each default declared once)."""

    train_subset: int
    """Training examples the child gets: 0 for the whole training split, else a stratified subset."""
    validation_size: int = 0
    """The validation split carved from the training file (stratified, seed 0); unused with the dataset's own."""
    fixed_epochs: int
    fixed_accuracy: float
    """The fixed-setting run's epochs, and the validation accuracy it must reach."""
    min_settings: int = 5
    """The search's full credit: this many distinct settings tried."""
    test_accuracy: float
    test_accuracy_floor: float
    """The test accuracy ramps from no credit at the floor to full credit at the threshold."""


@dataclass(frozen=True, kw_only=True)
class Pipeline:
    """What a training homework is made of. Declare its parts (``split``,
    ``fixed``, ``searched``, ``test``) and the core builds the facts
    (``grader.training.facts``); declare a fact itself where it differs."""

    choose: Callable[[SearchRecord], "tuple[Trial | None, str]"]
    """The trial the search's return value names, and how it was matched."""
    split: Split | None = None
    fixed: Fixed | None = None
    searched: Search | None = None
    test: TestSet | None = None
    handed: Callable[[CheckContext, SplitData], "dict[str, Any]"] | None = None
    """The data as the student's functions take it (default: ``split.handed_over``)."""
    replay_timeout: Callable[[CheckContext], float] | None = None
    """The time the chosen trial's replay may take (default: a minute an epoch)."""
    search: Callable[[CheckContext], SearchRecord] | None = None
    """The fact of the recorded search (default: ``facts.search`` from ``searched``)."""
    test_figures: Callable[[CheckContext], TestFigures | Outcome] | None = None
    fixed_run: Callable[[CheckContext], FixedRun | Outcome] | None = None
    n_train: Callable[[CheckContext], int] | None = None
    """How many training examples the child was given (for ``trained_on_training_data``)."""
    train: str = ""
    """The training function the search calls (spied on; default: ``searched.train``)."""
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

    def __post_init__(self) -> None:
        declared = {"search": self.searched, "fixed_run": self.fixed, "test_figures": self.test, "n_train": self.split}
        for name, part in declared.items():
            if getattr(self, name) is None and part is not None:
                object.__setattr__(self, name, getattr(facts, name))
        if not self.train and self.searched is not None:
            object.__setattr__(self, "train", self.searched.train)
        if self.search is None or not self.train:
            raise TypeError("a Pipeline needs its search: searched=Search(...) or search=<fact>, and train")

    def diverged(self, ce: float) -> bool:
        return not math.isfinite(ce) or ce > self.diverged_ce

    def hint(self, name: str, default: str = "") -> str:
        return self.hints.get(name, default)

    def needs(self, what: Any, name: str) -> Any:
        if what is None:
            raise AssertionError(f"the built-in item training.{name} needs the pipeline to declare it")
        return what
