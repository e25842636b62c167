"""Progress events: what grading reports while it runs, as typed values.

The core emits them through a ``ProgressHandler``; the CLI decides how to show
them (a status line, printed lines, a live table). Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

from grader.rubric import CheckResult, RubricItem


@dataclass(frozen=True)
class ItemStarted:
    item: RubricItem


@dataclass(frozen=True)
class ItemFinished:
    result: CheckResult


@dataclass(frozen=True)
class Message:
    """A line worth showing as it happens (a dataset fetch, a training run)."""

    text: str


@dataclass(frozen=True)
class TrialStarted:
    """A spied training call of a hyperparameter search began."""

    function: str
    index: int
    """0-based."""
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrialFinished:
    """A spied training call returned (or raised); ``figures`` are the grader's
    own evaluation of what it returned (e.g. validation CE and accuracy)."""

    function: str
    index: int
    seconds: float | None
    figures: Mapping[str, float] = field(default_factory=dict)
    problem: str | None = None


ProgressEvent = Union[ItemStarted, ItemFinished, Message, TrialStarted, TrialFinished]
ProgressHandler = Callable[[ProgressEvent], None]
