"""Training items of gd_shallow on the core's training pipeline
(``grader.training``): Fashion-MNIST as the handout prepares it (pixels in
[0, 1], labels one-hot, a stratified validation split of the training file),
train_shallow at a fixed setting (2.4), the learning-rate search recorded
trial by trial (2.5), the chosen network on the test set (2.6) and the
improved network's gain over it (3.1), which is this homework's own. Every
network is evaluated by the grader's own forward pass; training time is
reported, never graded."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.signature import plan_call
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome
from grader.training import facts, models
from grader.training.fixed import Fixed
from grader.training.pipeline import Pipeline
from grader.training.search import VAL_ACC, Search
from grader.training.settings import returned_choice, trial_for_values
from grader.training.split import Split, handed_over
from grader.training.testset import TestSet
from grader.training.trials import SearchRecord, Trial

from . import network

TRAIN, SEARCH, IMPROVED = "train_shallow", "search_learning_rate", "train_improved"
SIGNATURES = {
    TRAIN: "train_shallow(X, Y, hidden=100, learning_rate=0.5, batch_size=300, epochs=10, seed=0) -> (W1, b1, W2, b2)",
    SEARCH: "search_learning_rate(X, Y, Xval, Yval, learning_rates=...) -> the best learning rate",
    IMPROVED: "train_improved(X, Y, Xval, Yval) -> [(W, b, activation), ...]",
}
DIVERGED_CE = 10.0
"""A validation CE above this (chance is ln 10 = 2.3) or NaN: the run diverged."""
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
SPLIT = Split(network.DATASET, network.CLASSES, key="unit-")


def _vector(layers: Any) -> np.ndarray:
    return np.concatenate([np.ravel(part) for W, b, _ in layers for part in (W, b)])


FIXED = Fixed(TRAIN, SIGNATURES[TRAIN], network.read_shallow, models.evaluate,
              keywords={"lr": "learning_rate", "batch": "batch_size", "epochs": "epochs", "hidden": "hidden"},
              returns_hint="return W1, b1, W2, b2",
              values=lambda s: {"hidden": 100, "lr": s.fixed_learning_rate, "batch": 300, "epochs": s.fixed_epochs})
SEARCHED = Search(SEARCH, TRAIN, SIGNATURES[SEARCH], features=network.FEATURES, evaluate=models.evaluate,
                  vector=_vector, read=network.read_shallow,
                  missing=Outcome(0.0, f"{SEARCH} is not defined", mistakes=("no-search",),
                                  hint=f"add {SIGNATURES[SEARCH]}, calling {TRAIN} once per learning rate"))


def returned_trial(found: SearchRecord) -> tuple[Trial | None, str]:
    """The trial of the rate the search returned (a number, a dict or a tuple), and how it was matched."""
    value = found.returned
    if not found.ok:
        return None, found.stopped or "the search stopped"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        trial = trial_for_values(found.trials, [value])
        return (trial, "by the returned learning rate") if trial else \
            (None, f"the returned learning rate {value!r} is none of the trials' rates")
    return returned_choice(found) or (None, f"{SEARCH} returned {type(value).__name__}, not a learning rate")


def improved(ctx: CheckContext) -> tuple[list[models.Layer], float, str | None] | Outcome:
    """3.1's network: train_improved called once, outside the time limits of a call."""
    if not ctx.defines(IMPROVED):
        return Outcome(0.0, f"{IMPROVED} is not defined; expected {SIGNATURES[IMPROVED]}")
    d = ctx.fact(facts.data)
    plan = plan_call(ctx.signature(IMPROVED), handed_over(d), what=IMPROVED, expected=SIGNATURES[IMPROVED])
    if plan.problem:
        return Outcome(0.0, plan.problem, hint=f"use {SIGNATURES[IMPROVED]}")
    ctx.report(f"  {IMPROVED} on {d.files.description}")
    result = ctx.session.call(IMPROVED, *plan.args, timeout=1e9, **plan.kwargs)
    if not result.ok:
        return call_failed(result, signature=SIGNATURES[IMPROVED])
    layers, note = network.read_layers(result.value)
    if layers is None:
        return Outcome(0.0, f"{IMPROVED}: {note}", hint=SIGNATURES[IMPROVED])
    return layers, result.seconds, note


# -- the items -------------------------------------------------------------------------------------
@check
def improvement(ctx: CheckContext) -> Outcome:
    """3.1: the improved network's test accuracy against part 2's."""
    base = ctx.fact(facts.test_figures)
    if isinstance(base, Outcome):
        return Outcome(0.0, f"no part 2 network to improve on: {base.output}")
    found = ctx.fact(improved)
    if isinstance(found, Outcome):
        return found
    layers, seconds, note = found
    X, Y = SPLIT.test_set(ctx)
    ce, acc = models.evaluate(layers, X, Y)
    gain = acc - base.accuracy
    wanted = ctx.settings.improvement
    shape = " -> ".join([str(network.FEATURES)] + [f"{W.shape[1]} {name}" for W, _, name in layers])
    text = (f"improved network ({shape}; {seconds:.1f} s): test accuracy {acc:.2%} vs {base.accuracy:.2%} for your "
            f"part 2 network: {100 * gain:+.2f} percentage points (full credit at +{100 * wanted:g})")
    if note:
        text += f"; {note}"
    fraction = 1.0 if gain >= wanted else max(0.0, gain / wanted)
    return Outcome(fraction, text, mistakes=() if gain > 0 else ("no-improvement",),
                   hint=None if fraction >= 1 else "ReLU hidden units, more units, more epochs or a tuned rate "
                                                   "usually gain a point or more")


PIPELINE = Pipeline(
    choose=returned_trial, split=SPLIT, fixed=FIXED, searched=SEARCHED, diverged_ce=DIVERGED_CE,
    test=TestSet(lambda layers, X: models.log_probabilities(layers, X).argmax(1), CLASS_NAMES, noun="network",
                 how="the grader's forward pass on the network it returned", fallback=VAL_ACC),
    replay_timeout=lambda ctx: max(ctx.session.limits.call_seconds, 60.0 * ctx.settings.fixed_epochs),
    setting="learning rate",
    hints={"fixed_learns": "check gradients first (2.3), then the SGD loop: shuffle, step through minibatches of "
                           "batch_size, W -= learning_rate * dW for every parameter",
           "fixed_learns.diverged": "average the gradient over the minibatch (divide by its size) so lr 0.5 is "
                                    "stable",
           "settings_tried": f"try at least {{wanted}} learning rates, calling {TRAIN} once per rate",
           "test_accuracy": "choose the rate with the best validation accuracy; more epochs or hidden units help"})
"""2.4 (training.fixed_learns), 2.5 (training.settings_tried) and 2.6 (training.test_accuracy) are the core's."""
