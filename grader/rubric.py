"""Points: turning what a check found into a score, with partial credit.

A check returns an ``Outcome`` (a fraction in [0, 1] plus feedback); the rubric
turns it into a ``CheckResult`` worth ``fraction * points``, clamped to
[0, points], with a status the reporters understand. Partial credit comes from
the fraction of sub-cases passed or from a linear ramp between a floor and a
threshold. An outcome that relied on an adaptation (the grader calling the
code differently from the stub) costs the assignment's ``adaptation_penalty``,
the same way for every item of every assignment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal, get_args

Status = Literal["passed", "partial", "failed", "error", "skipped"]
Visibility = Literal["visible", "hidden"]
STATUSES: tuple[str, ...] = get_args(Status)
VISIBILITIES: tuple[str, ...] = get_args(Visibility)


@dataclass(frozen=True)
class Outcome:
    """What a check found, before points."""

    fraction: float
    output: str
    hint: str | None = None
    """What to fix, in course terms; shown when points are lost."""
    status: Literal["error", "skipped"] | None = None
    """Force ``error`` (student code raised/timed out) or ``skipped``."""
    mistakes: tuple[str, ...] = ()
    """Named mistakes found (short stable tags, e.g. ``summed``), for summaries."""
    adapted: tuple[str, ...] = ()
    """Adaptations this item's grade relied on (e.g. ``examples as rows``)."""
    not_implemented: str | None = None
    """The function that still raises NotImplementedError, when that is all."""

    @classmethod
    def error(cls, output: str, hint: str | None = None) -> Outcome:
        return cls(0.0, output, hint, status="error")

    @classmethod
    def skipped(cls, output: str) -> Outcome:
        return cls(0.0, output, None, status="skipped")

    def with_adaptations(self, *adapted: str) -> Outcome:
        """This outcome, marked as relying on these adaptations (none: unchanged)."""
        found = tuple(dict.fromkeys(self.adapted + tuple(a for a in adapted if a)))
        return replace(self, adapted=found) if found != self.adapted else self


@dataclass(frozen=True)
class RubricItem:
    id: str
    name: str
    points: float
    check: str
    visibility: Visibility = "visible"
    """``visible`` checks ship to students; ``hidden`` ones stay with the grader."""
    needs: tuple[str, ...] = ()
    """Datasets this item needs; without them it is skipped, not failed."""


@dataclass(frozen=True)
class ManualItem:
    name: str
    points: float


@dataclass(frozen=True)
class CheckResult:
    name: str
    number: str
    score: float
    max_score: float
    status: Status
    output: str
    visibility: Visibility = "visible"
    hint: str | None = None
    mistakes: tuple[str, ...] = ()
    adapted: tuple[str, ...] = ()
    not_implemented: str | None = None


@dataclass(frozen=True)
class Cases:
    """Sub-cases of one item: the fraction passed is the credit."""

    passed: int = 0
    total: int = 0
    failures: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0


def ramp(value: float, *, floor: float, threshold: float) -> float:
    """Linear credit: 0 at ``floor``, 1 at ``threshold`` and beyond.

    Works in either direction: with ``threshold < floor`` lower is better
    (a loss), otherwise higher is better (an accuracy). NaN earns nothing.
    """
    if math.isnan(value) or floor == threshold:
        return 0.0 if math.isnan(value) else float(value >= threshold if threshold > floor else value <= threshold)
    return min(1.0, max(0.0, (value - floor) / (threshold - floor)))


def score(item: RubricItem, outcome: Outcome, *, adaptation_penalty: float = 0.0) -> CheckResult:
    """Points for one item; never negative, never above the item's points."""
    fraction = outcome.fraction if math.isfinite(outcome.fraction) else 0.0
    fraction = min(1.0, max(0.0, fraction))
    if outcome.adapted:
        fraction *= 1.0 - min(1.0, max(0.0, adaptation_penalty))
    points = round(item.points * fraction, 4)
    status: Status
    if outcome.status is not None:
        status = outcome.status
        points = 0.0 if status == "skipped" else points
    elif fraction >= 1.0:
        status = "passed"
    elif fraction <= 0.0:
        status = "failed"
    else:
        status = "partial"
    return CheckResult(
        name=item.name, number=item.id, score=points, max_score=float(item.points), status=status,
        output=outcome.output, visibility=item.visibility,
        hint=outcome.hint if points < item.points else None,
        mistakes=outcome.mistakes, adapted=outcome.adapted, not_implemented=outcome.not_implemented,
    )
