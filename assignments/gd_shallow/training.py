"""Training items of gd_shallow: train_shallow at a fixed setting (2.4), the
learning-rate search recorded trial by trial (2.5), the chosen network on the
test set (2.6) and the improved network's gain over it (3.1). Every network
is evaluated by the grader's own forward pass; the test set stays in the
grader. Training time is reported, never graded."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.checks import figures
from grader.checks.data import hand_over
from grader.checks.diagnostics import call_failed
from grader.checks.search import SearchRecord, Trial, best, checked_search, data_globals, distinct, mark_chosen, \
    record_search, returned_choice, tolerance_ce, trial_for_values
from grader.checks.signature import plan_call
from grader.context import CheckContext
from grader.rubric import Outcome, ramp

from . import network
from .network import Layer

if TYPE_CHECKING:
    from .state import GdState

TRAIN, SEARCH, IMPROVED = "train_shallow", "search_learning_rate", "train_improved"
SIGNATURES = {
    TRAIN: "train_shallow(X, Y, hidden=100, learning_rate=0.5, batch_size=300, epochs=10, seed=0) -> (W1, b1, W2, b2)",
    SEARCH: "search_learning_rate(X, Y, Xval, Yval, learning_rates=...) -> the best learning rate",
    IMPROVED: "train_improved(X, Y, Xval, Yval) -> [(W, b, activation), ...]",
}
KEYWORDS = {"lr": "learning_rate", "batch": "batch_size", "epochs": "epochs", "hidden": "hidden"}
VAL_CE, VAL_ACC = "validation CE", "validation accuracy"
DIVERGED_CE = 10.0
"""A validation CE above this (chance is ln 10 = 2.3) or NaN: the run diverged."""
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


@dataclass(frozen=True)
class Data:
    files: network.Files
    val_X: np.ndarray
    val_Y: np.ndarray


def load_data(ctx: CheckContext) -> Data:
    found = network.files(ctx.settings, ctx.data_dir or Path())
    assert found is not None, "the item should declare needs = ['fashion_mnist']"
    return Data(found, np.load(found.val_images, mmap_mode="r"), np.load(found.val_onehot, mmap_mode="r"))


def handed_over(state: GdState) -> dict[str, Any]:
    f = state.data.files
    return {"trainX": hand_over(f.train_images, rows=True), "trainY": hand_over(f.train_onehot, rows=True),
            "valX": hand_over(f.val_images, rows=True), "valY": hand_over(f.val_onehot, rows=True)}


def diverged(figures_: dict[str, float]) -> bool:
    ce = figures_.get(VAL_CE, float("nan"))
    return not math.isfinite(ce) or ce > DIVERGED_CE


# -- 2.4 one run at a fixed setting -----------------------------------------------------------
@dataclass(frozen=True)
class Run:
    layers: list[Layer]
    seconds: float
    ce: float
    accuracy: float
    setting: str


def run_fixed(state: GdState) -> Run | Outcome:
    ctx, s = state.ctx, state.ctx.settings
    if not ctx.defines(TRAIN):
        return Outcome(0.0, f"{TRAIN} is not defined; expected {SIGNATURES[TRAIN]}")
    values = {**handed_over(state), "hidden": 100, "lr": s.fixed_learning_rate, "batch": 300,
              "epochs": s.fixed_epochs}
    plan = plan_call(ctx.signature(TRAIN), values, what=TRAIN, expected=SIGNATURES[TRAIN], keywords=KEYWORDS)
    if plan.problem:
        return Outcome(0.0, plan.problem, hint=f"use {SIGNATURES[TRAIN]}")
    shown = f"100 hidden units, learning rate {s.fixed_learning_rate:g}, batch 300, {s.fixed_epochs} epochs"
    ctx.report(f"  fixed-setting run: {shown}, on {state.data.files.description}")
    result = ctx.session.call(TRAIN, *plan.args, timeout=max(ctx.session.limits.call_seconds, 60.0 * s.fixed_epochs),
                              **plan.kwargs)
    if not result.ok:
        return call_failed(result, signature=SIGNATURES[TRAIN])
    layers, note = network.read_shallow(result.value)
    if layers is None:
        return Outcome(0.0, f"{TRAIN} {note}", hint="return W1, b1, W2, b2")
    if note:
        ctx.note(f"{TRAIN} {note}; the grader read it that way.")
    d = state.data
    return Run(layers, result.seconds, *network.evaluate(layers, d.val_X, d.val_Y), shown)


def train_fixed(ctx: CheckContext) -> Outcome:
    state: GdState = ctx.state
    run = state.fixed_run
    if isinstance(run, Outcome):
        return run
    floor = ctx.settings.fixed_accuracy
    text = (f"validation accuracy {run.accuracy:.2%} (CE {run.ce:.4g}) after {run.setting} ({run.seconds:.1f} s); "
            f"floor {floor:.0%}")
    if not math.isfinite(run.ce) or run.ce > DIVERGED_CE:
        return Outcome(0.0, f"{text}: the loss diverged", mistakes=("diverged",),
                       hint="average the gradient over the minibatch (divide by its size) so lr 0.5 is stable")
    fraction = ramp(run.accuracy, floor=0.2, threshold=floor)
    return Outcome(fraction, text, hint=None if fraction >= 1 else
                   "check gradients first (2.3), then the SGD loop: shuffle, step through minibatches of "
                   "batch_size, W -= learning_rate * dW for every parameter")


# -- 2.5 the learning-rate search ---------------------------------------------------------------
def run_search(state: GdState) -> SearchRecord:
    ctx = state.ctx
    if not ctx.defines(SEARCH):
        return SearchRecord(None, (), problem=Outcome(0.0, f"{SEARCH} is not defined", mistakes=("no-search",),
                                                      hint=f"add {SIGNATURES[SEARCH]}, calling {TRAIN} once per "
                                                           "learning rate"))
    values = handed_over(state)
    plan = plan_call(ctx.signature(SEARCH), values, what=SEARCH, expected=SIGNATURES[SEARCH])
    if plan.problem:
        return SearchRecord(SEARCH, (), problem=Outcome(0.0, plan.problem, hint=f"use {SIGNATURES[SEARCH]}"))
    scoped = data_globals(plan, values)
    d = state.data
    ctx.report(f"  {SEARCH} on {d.files.description}; each trial is scored by the grader on the "
               f"{d.files.n_val:,} validation images")

    def evaluate(layers: Any) -> dict[str, float]:
        ce, acc = network.evaluate(layers, d.val_X, d.val_Y)
        return {VAL_CE: ce, VAL_ACC: acc}

    def read(value: Any) -> tuple[Any, str | None]:
        return network.read_shallow(value)

    found = record_search(ctx, SEARCH, spied=TRAIN, plan=plan, read=read, evaluate=evaluate,
                          features=network.FEATURES, with_globals=scoped, expected=SIGNATURES[SEARCH])
    if found.stopped and found.trials:
        ctx.note(found.stopped.rstrip(".") + ".")
    match = returned_trial(found)
    return checked_search(ctx, found, match[0] if match else None, spied=TRAIN, values=values, read=read,
                          evaluate=evaluate, metric=VAL_CE, tolerance=tolerance_ce,
                          timeout=max(ctx.session.limits.call_seconds, 60.0 * ctx.settings.fixed_epochs),
                          vector=lambda t: np.concatenate([np.ravel(part) for W, b, _ in t.result for part in (W, b)]))


def search_rates(ctx: CheckContext) -> Outcome:
    state: GdState = ctx.state
    found = state.search
    if found.problem is not None:
        return found.problem
    wanted = ctx.settings.min_rates
    k = distinct(found.trials)
    text = f"{SEARCH} called {TRAIN} {len(found.trials)} time(s); {k} distinct setting(s)"
    bad = [t for t in found.completed if diverged(t.figures)]
    mistakes = []
    if bad:
        text += "; diverged: " + ", ".join(t.label() for t in bad) + " (a rate that large overshoots: fine to try, "\
                                                                      "never to choose)"
        mistakes.append("diverged")
    if found.stopped:
        text += f"; {found.stopped}"
    if k < wanted:
        mistakes.append("few-rates")
    return Outcome(min(1.0, k / wanted), text, mistakes=tuple(mistakes),
                   hint=None if k >= wanted else f"try at least {wanted} learning rates, calling {TRAIN} once per rate")


def returned_trial(found: SearchRecord) -> tuple[Trial | None, str] | None:
    """The trial of the rate the search returned (a number, a dict or a
    tuple), and how it was matched; None when the search did not return."""
    value = found.returned
    if not found.ok:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        trial = trial_for_values(found.trials, [value])
        return (trial, "by the returned learning rate") if trial else \
            (None, f"the returned learning rate {value!r} is none of the trials' rates")
    return returned_choice(found) or (None, f"{SEARCH} returned {type(value).__name__}, not a learning rate")


def chosen(state: GdState) -> tuple[Trial, str] | Outcome:
    """The trial of the rate the search returned (a number, a dict or a
    tuple); without it, the best on validation (said so)."""
    found = state.search
    if found.problem is not None:
        return Outcome(0.0, f"no chosen network: {found.problem.output}")
    done = [t for t in found.completed if not diverged(t.figures)] or found.completed
    match = returned_trial(found)
    trial, how = match if match is not None else (None, found.stopped or "the search stopped")
    if trial is None or not trial.completed:
        fallback = best(done, VAL_ACC, lowest=False)
        if fallback is None:
            return Outcome(0.0, "no trial returned a network the grader could evaluate")
        state.ctx.note(f"The search's choice could not be identified ({how}); the grader used its best trial on "
                       f"validation, {fallback.label()}.")
        trial, how = fallback, "the best validation trial (the search's own choice could not be identified)"
    mark_chosen(state.ctx, trial, how)
    return trial, how


@dataclass(frozen=True)
class TestFigures:
    layers: list[Layer]
    ce: float
    accuracy: float
    label: str


def test_set(ctx: CheckContext) -> tuple[np.ndarray, np.ndarray]:
    ds = ctx.dataset(network.DATASET)
    X = np.asarray(ds.load("test", "images"), dtype=np.float64) / 255.0
    return X, np.eye(network.CLASSES)[np.asarray(ds.load("test", "labels"))]


def chosen_on_test(state: GdState) -> TestFigures | Outcome:
    picked = state.chosen
    if isinstance(picked, Outcome):
        return picked
    trial, _ = picked
    ctx = state.ctx
    X, Y = test_set(ctx)
    ce, acc = network.evaluate(trial.result, X, Y)
    s = ctx.settings
    logp = network.log_probabilities(trial.result, X)
    figures.leave_test(ctx, model=trial.label(), predicted=logp.argmax(1), labels=Y.argmax(1), images=X,
                       classes=CLASS_NAMES, measured={
                           "test accuracy": figures.threshold(acc, threshold=s.test_accuracy,
                                                              floor=s.test_accuracy_floor, lower_is_better=False),
                           "test CE": {"value": ce}})
    ctx.report(f"  chosen {trial.label()}: test accuracy {acc:.2%}")
    return TestFigures(trial.result, ce, acc, trial.label())


def test_accuracy(ctx: CheckContext) -> Outcome:
    state: GdState = ctx.state
    found = state.test_figures
    if isinstance(found, Outcome):
        return found
    s = ctx.settings
    picked = state.chosen
    seconds = picked[0].seconds if not isinstance(picked, Outcome) else None
    timing = f"; training took {seconds:.1f} s (reported, not graded)" if seconds is not None else ""
    fraction = ramp(found.accuracy, floor=s.test_accuracy_floor, threshold=s.test_accuracy)
    text = (f"{found.label}: test accuracy {found.accuracy:.2%}, test CE {found.ce:.4f} (the grader's forward pass on "
            f"the network it returned); full credit at {s.test_accuracy:.0%}, none at {s.test_accuracy_floor:.0%} "
            f"or below{timing}")
    mistakes: tuple[str, ...] = ()
    if not math.isfinite(found.ce) or found.ce > DIVERGED_CE:
        text += ": the chosen learning rate diverged"
        mistakes = ("diverged",)
    return Outcome(fraction, text, mistakes=mistakes,
                   hint=None if fraction >= 1 else "choose the rate with the best validation accuracy; more epochs "
                                                   "or hidden units help")


# -- 3.1 the improved network ---------------------------------------------------------------------
def run_improved(state: GdState) -> tuple[list[Layer], float, str | None] | Outcome:
    ctx = state.ctx
    if not ctx.defines(IMPROVED):
        return Outcome(0.0, f"{IMPROVED} is not defined; expected {SIGNATURES[IMPROVED]}")
    values = handed_over(state)
    plan = plan_call(ctx.signature(IMPROVED), values, what=IMPROVED, expected=SIGNATURES[IMPROVED])
    if plan.problem:
        return Outcome(0.0, plan.problem, hint=f"use {SIGNATURES[IMPROVED]}")
    ctx.report(f"  {IMPROVED} on {state.data.files.description}")
    result = ctx.session.call(IMPROVED, *plan.args, timeout=1e9, **plan.kwargs)
    if not result.ok:
        return call_failed(result, signature=SIGNATURES[IMPROVED])
    layers, note = network.read_layers(result.value)
    if layers is None:
        return Outcome(0.0, f"{IMPROVED}: {note}", hint=SIGNATURES[IMPROVED])
    return layers, result.seconds, note


def improvement(ctx: CheckContext) -> Outcome:
    state: GdState = ctx.state
    base = state.test_figures
    if isinstance(base, Outcome):
        return Outcome(0.0, f"no part 2 network to improve on: {base.output}")
    found = state.improved
    if isinstance(found, Outcome):
        return found
    layers, seconds, note = found
    X, Y = test_set(ctx)
    ce, acc = network.evaluate(layers, X, Y)
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
