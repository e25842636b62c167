"""(c) of hw6_mnist: the chosen trial's weights on the test set, which only the
grader loads (never the child), against the course's thresholds with a linear
ramp down to a floor (``grader.training.testset``)."""

from __future__ import annotations

import numpy as np

from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome
from grader.training.search import chosen
from grader.training.testset import TestFigures, accuracy_outcome, ce_outcome, measure

from . import evaluation
from .search import chosen_trial, search

HINT = "more epochs, a better learning rate or more hidden units"


def test_figures(ctx: CheckContext) -> TestFigures | Outcome:
    found = ctx.fact(search)
    if found.problem is not None:
        return Outcome(0.0, f"no chosen setting to evaluate: {found.problem.output}")
    picked = chosen(ctx, found, chosen_trial)
    if picked is None:
        return Outcome(0.0, "no trial produced weights to evaluate on the test set")
    ds = ctx.dataset("mnist")
    X = np.asarray(ds.load("test", "images"), dtype=np.float64).T
    Y = np.asarray(ds.load("test", "labels"), dtype=np.float64).T
    blocks = picked.trial.result
    return measure(ctx, blocks, picked.label, X, Y, evaluate=evaluation.evaluate,
                   predicted=evaluation.logits(blocks, X).argmax(0), labels=Y.argmax(0), images=X.T,
                   classes=[str(d) for d in range(10)], how="the grader's forward pass on the weights this trial "
                                                             "returned", ce_ramp=True)


@check
def test_ce(ctx: CheckContext) -> Outcome:
    return ce_outcome(ctx, ctx.fact(test_figures), hint=HINT)


@check
def test_accuracy(ctx: CheckContext) -> Outcome:
    return accuracy_outcome(ctx, ctx.fact(test_figures), hint=HINT)
