"""Points: turning what a check found into a score, with partial credit.

A check returns an ``Outcome`` (a fraction in [0, 1] plus feedback); the rubric
turns it into a ``CheckResult`` worth ``fraction * points``, clamped to
[0, points], with a status the reporters understand. Partial credit comes from
the fraction of sub-cases passed or from a linear ramp between a floor and a
threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

STATUSES = ("passed", "partial", "failed", "error", "skipped")


@dataclass(frozen=True)
class Outcome:
    """What a check found, before points."""

    fraction: float
    output: str
    hint: str | None = None
    """What to fix, in course terms; shown when points are lost."""
    status: str | None = None
    """Force ``error`` (student code raised/timed out) or ``skipped``."""

    @classmethod
    def error(cls, output: str, hint: str | None = None) -> Outcome:
        return cls(0.0, output, hint, status="error")

    @classmethod
    def skipped(cls, output: str) -> Outcome:
        return cls(0.0, output, None, status="skipped")


@dataclass(frozen=True)
class RubricItem:
    id: str
    name: str
    points: float
    check: str
    visibility: str = "visible"
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
    status: str
    output: str
    visibility: str = "visible"
    hint: str | None = None


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


def score(item: RubricItem, outcome: Outcome) -> CheckResult:
    """Points for one item; never negative, never above the item's points."""
    fraction = outcome.fraction if math.isfinite(outcome.fraction) else 0.0
    fraction = min(1.0, max(0.0, fraction))
    points = round(item.points * fraction, 4)
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
    )
