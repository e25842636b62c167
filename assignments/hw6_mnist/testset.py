"""(c) of hw6_mnist: the chosen trial's weights on the test set, which only the
grader loads (never the child), against the course's thresholds with a linear
ramp down to a floor."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from grader.checks import figures
from grader.checks.search import mark_chosen
from grader.context import CheckContext
from grader.rubric import Outcome, ramp

from . import evaluation
from .search import VAL_CE, chosen_trial, note_choice

if TYPE_CHECKING:
    from .state import Hw6State


@dataclass(frozen=True)
class TestFigures:
    ce: float
    accuracy: float
    text: str


def test_metrics(state: Hw6State) -> TestFigures | Outcome:
    ctx = state.ctx
    found = state.search
    if found.problem is not None:
        return Outcome(0.0, f"no chosen setting to evaluate: {found.problem.output}")
    chosen, how = chosen_trial(found) if found.ok else (None, found.stopped or "")
    if chosen is not None:
        note_choice(ctx, found, chosen, how)
    done = [t for t in found.trials if t.completed and math.isfinite(t.figures[VAL_CE])]
    label = ""
    if chosen is None or not chosen.completed:
        if not done:
            return Outcome(0.0, "no trial produced weights to evaluate on the test set")
        chosen = min(done, key=lambda t: t.figures[VAL_CE])
        label = f" (the choice could not be identified: {how}; the grader used its best validation trial)"
        how = "the best validation trial (the search's own choice could not be identified)"
    mark_chosen(ctx, chosen, how)
    ds = ctx.dataset("mnist")
    X = np.asarray(ds.load("test", "images"), dtype=np.float64).T
    Y = np.asarray(ds.load("test", "labels"), dtype=np.float64).T
    ce, acc = evaluation.evaluate(chosen.result, X, Y)
    s = ctx.settings
    figures.leave_test(ctx, model=chosen.label(), predicted=evaluation.logits(chosen.result, X).argmax(0),
                       labels=Y.argmax(0), images=X.T, classes=[str(d) for d in range(10)], measured={
                           "test CE": figures.threshold(ce, threshold=s.test_ce, floor=s.test_ce_floor,
                                                        lower_is_better=True),
                           "test accuracy": figures.threshold(acc, threshold=s.test_accuracy,
                                                              floor=s.test_accuracy_floor, lower_is_better=False)})
    text = (f"{chosen.label()}{label}: test CE {ce:.4f}, test accuracy {acc:.2%} (the grader's forward pass on "
            f"the weights this trial returned; {ctx.profile.name} profile)")
    ctx.report("  " + text)
    return TestFigures(ce, acc, text)


def test_ce(ctx: CheckContext) -> Outcome:
    state: Hw6State = ctx.state
    found = state.test_figures
    if isinstance(found, Outcome):
        return found
    s = ctx.settings
    threshold, floor = s.test_ce, s.test_ce_floor
    ce = found.ce
    fraction = 0.0 if math.isnan(ce) else (1.0 if ce < threshold else ramp(ce, floor=floor, threshold=threshold))
    return Outcome(fraction, f"{found.text}; threshold CE < {threshold:g} (no credit at {floor:g} or above)",
                   hint=None if fraction >= 1 else "more epochs, a better learning rate or more hidden units")


def test_accuracy(ctx: CheckContext) -> Outcome:
    state: Hw6State = ctx.state
    found = state.test_figures
    if isinstance(found, Outcome):
        return found
    s = ctx.settings
    threshold, floor = s.test_accuracy, s.test_accuracy_floor
    fraction = ramp(found.accuracy, floor=floor, threshold=threshold)
    return Outcome(fraction, f"{found.text}; threshold accuracy >= {threshold:.0%} (no credit at {floor:.0%} or below)",
                   hint=None if fraction >= 1 else "more epochs, a better learning rate or more hidden units")
