"""The chosen model on the test set, which only the grader loads (never the
child), against the profile's thresholds with a linear ramp down to a floor;
the report's test figure (confusion matrix, misclassified images) is left on
the way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from grader.checks import figures
from grader.rubric import Outcome, ramp

if TYPE_CHECKING:
    from grader.context import CheckContext


@dataclass(frozen=True)
class TestFigures:
    ce: float
    accuracy: float
    text: str
    label: str
    model: Any = None
    seconds: float | None = None
    """How long the training of the model took (reported, never graded)."""


@dataclass(frozen=True)
class TestSet:
    """How a homework's chosen model meets the test set (``grader.training.facts.test_figures``)."""

    predict: Callable[[Any, np.ndarray], np.ndarray]
    """The class the model gives each test example."""
    classes: Sequence[str]
    """The class names, for the report's confusion matrix."""
    how: str
    """What the grader evaluated, in the feedback's words."""
    noun: str = "model"
    columns: bool = False
    """The model takes examples as columns (X (features, n))."""
    ce_ramp: bool = False
    """The test CE is graded too (``test_ce``, ``test_ce_floor``)."""
    fallback: str = "validation CE"
    """The validation figure that picks a trial when the search's choice cannot be identified."""
    or_fixed: bool = False
    """Without a usable search, the fixed-setting run's model goes to the test set (said so)."""


def measure(ctx: CheckContext, model: Any, label: str, X: np.ndarray, Y: np.ndarray, *,
            evaluate: Callable[[Any, Any, Any], "tuple[float, float]"], predicted: np.ndarray, labels: np.ndarray,
            images: np.ndarray, classes: Sequence[str], how: str, ce_ramp: bool = False,
            seconds: float | None = None) -> TestFigures:
    """``model``'s test CE and accuracy by the grader's ``evaluate``; ``how`` says
    what the grader evaluated (for the text), ``ce_ramp`` whether the CE is graded too."""
    ce, acc = evaluate(model, X, Y)
    s = ctx.settings
    measured: dict[str, Any] = {"test accuracy": figures.threshold(acc, threshold=s.test_accuracy,
                                                                   floor=s.test_accuracy_floor, lower_is_better=False)}
    measured = {"test CE": figures.threshold(ce, threshold=s.test_ce, floor=s.test_ce_floor, lower_is_better=True),
                **measured} if ce_ramp else {**measured, "test CE": {"value": ce}}
    figures.leave_test(ctx, model=label, predicted=predicted, labels=labels, images=images, classes=classes,
                       measured=measured)
    first, second = (f"test CE {ce:.4f}", f"test accuracy {acc:.2%}")[::-1 if not ce_ramp else 1]
    text = f"{label}: {first}, {second} ({how}; {ctx.profile.name} profile)"
    ctx.report("  " + text)
    return TestFigures(ce, acc, text, label, model, seconds)


def accuracy_outcome(ctx: CheckContext, found: TestFigures | Outcome, *, hint: str, extra: str = "") -> Outcome:
    """Full credit at the profile's ``test_accuracy``, none at ``test_accuracy_floor`` or below."""
    if isinstance(found, Outcome):
        return found
    s = ctx.settings
    fraction = ramp(found.accuracy, floor=s.test_accuracy_floor, threshold=s.test_accuracy)
    return Outcome(fraction, f"{found.text}; full credit at {s.test_accuracy:.0%}, none at "
                             f"{s.test_accuracy_floor:.0%} or below{extra}", hint=None if fraction >= 1 else hint)


def ce_outcome(ctx: CheckContext, found: TestFigures | Outcome, *, hint: str) -> Outcome:
    """Full credit below the profile's ``test_ce``, none at ``test_ce_floor`` or above."""
    if isinstance(found, Outcome):
        return found
    s = ctx.settings
    threshold, floor = s.test_ce, s.test_ce_floor
    ce = found.ce
    fraction = 0.0 if math.isnan(ce) else (1.0 if ce < threshold else ramp(ce, floor=floor, threshold=threshold))
    return Outcome(fraction, f"{found.text}; threshold CE < {threshold:g} (no credit at {floor:g} or above)",
                   hint=None if fraction >= 1 else hint)
