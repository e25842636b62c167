"""Training data for hw6_mnist and the part (a) train checks (a.8, a.9): one
run of the student's train at a fixed setting, judged by the grader's own
evaluation of the weights it returns.

The child only ever gets the profile's training files and the validation
split, memory-mapped (``grader.training.split``); the test split stays in the
grader."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.checks import coerce
from grader.checks.data import orient
from grader.checks.diagnostics import call_failed
from grader.checks.signature import HYPERPARAMETERS
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome, ramp
from grader.sandbox import NpyFile
from grader.training.fixed import hyper_plan
from grader.training.split import Split, SplitFiles

from . import evaluation
from .layout import Blocks, hidden_for, normalise_blocks
from .student import Hw6Submission

CHECK_SETTING = {"lr": 0.1, "batch": 64, "alpha": 0.0}
INIT_SEED = 541
LOSS_ROWS = 10_000
"""Training examples the grader evaluates the training loss on (the first ones)."""
SPEC_SIGNATURE = "train(trainX, trainY, valX, valY, hidden=..., lr=..., batch=..., epochs=..., alpha=...) -> w"
TEMPLATE_SIGNATURE = "train(trainX, trainY, testX, testY, w)"


SPLIT = Split("mnist", 10, validation="validation")
"""The profile's training data (all 55,000 or a stratified subset) and MNIST's own validation split."""


@dataclass(frozen=True)
class Data:
    """The split, and the arrays the grader evaluates on, examples as columns (float64)."""

    files: SplitFiles
    loss_X: np.ndarray      # (784, m): the training-loss probe, the first LOSS_ROWS training examples
    loss_Y: np.ndarray
    val_X: np.ndarray
    val_Y: np.ndarray


def load_data(ctx: CheckContext) -> Data:
    found = SPLIT.files(ctx.settings, ctx.data_dir or Path())
    assert found is not None, "the item should declare needs = ['mnist']"
    tr_x, tr_y = np.load(found.train_images, mmap_mode="r"), np.load(found.train_onehot, mmap_mode="r")
    val_x, val_y = np.load(found.val_images, mmap_mode="r"), np.load(found.val_onehot, mmap_mode="r")
    return Data(found, *(np.asarray(a, dtype=np.float64).T for a in (tr_x[:LOSS_ROWS], tr_y[:LOSS_ROWS], val_x, val_y)))


def oriented_data(state: Hw6Submission) -> dict[str, Any]:
    """The training and validation files as the student's functions take data."""
    f, orientation = state.ctx.fact(load_data).files, state.orientation.orientation
    trX, trY = orient(NpyFile(str(f.train_images)), NpyFile(str(f.train_onehot)), orientation)
    vX, vY = orient(NpyFile(str(f.val_images)), NpyFile(str(f.val_onehot)), orientation)
    return {"trainX": trX, "trainY": trY, "valX": vX, "valY": vY}


def initial_weights(state: Hw6Submission, hidden: int) -> np.ndarray:
    """The course's initialisation, packed in the student's layout."""
    return state.layout_for(hidden).layout.pack(evaluation.initial_blocks(hidden, INIT_SEED))


def weights_blocks(state: Hw6Submission, value: Any, *, live: bool = False) -> tuple[Blocks | None, str]:
    """Canonical blocks from what train returned, and how they were read.
    ``live``: the child is busy (mid-search), so the layout cannot be asked."""
    norm = normalise_blocks(value)
    if norm is None and isinstance(value, (list, tuple)) and value:
        norm = normalise_blocks(value[0])
    if norm is not None:
        return norm[0], "returned the blocks (W1, b1, W2, b2)"
    for layout in state.known_layouts():  # w a matrix of the file's own shape
        if layout.shape is not None and (found := layout.read(value))[0] is not None:
            return layout.blocks(found[0]), found[1] or ""
    items = value if isinstance(value, (list, tuple)) else [value]
    sizes: list[int] = []
    for item in list(items[:1]) + list(items[-1:]):
        if isinstance(item, np.ndarray) and item.size not in sizes:
            sizes.append(int(item.size))
    for size in sizes:
        hidden = hidden_for(size)
        if hidden is None:
            continue
        vector, note = coerce.packed_vector(value, size)
        if vector is None:
            continue
        layout = state.layout_live(hidden) if live else state.layout_for(hidden).layout
        return layout.blocks(vector), note or ""
    return None, f"returned {coerce.describe(value)}, not weights packed like w"


# -- the (a) train checks ---------------------------------------------------------
@dataclass(frozen=True)
class TrainRun:
    blocks: Blocks
    seconds: float
    hidden: int
    before: float
    after: float
    val: tuple[float, float]
    how: str
    note: str | None
    unset: tuple[str, ...]
    symmetric: bool


def run_train_check(state: Hw6Submission) -> TrainRun | Outcome:
    ctx = state.ctx
    found = state.resolved("train")
    if found.problem:
        return Outcome(0.0, found.problem, hint=f"name it train: {SPEC_SIGNATURE}")
    if not state.defines("train"):
        return Outcome(0.0, f"train is not defined; expected {SPEC_SIGNATURE}")
    name = state.name("train")
    d = ctx.fact(load_data)
    hidden = state.hidden
    epochs = int(ctx.settings.fixed_epochs)
    values = dict(oriented_data(state), w=initial_weights(state, hidden), hidden=hidden, epochs=epochs,
                  **CHECK_SETTING)
    plan, set_globals, unset = hyper_plan(ctx, name, values,
                                          expected=f"{SPEC_SIGNATURE} or the template's {TEMPLATE_SIGNATURE}")
    if plan.problem:
        return Outcome(0.0, plan.problem, hint=f"use {SPEC_SIGNATURE}")
    ctx.report(f"  train check: {hidden} hidden units, lr 0.1, batch 64, {epochs} epoch(s) on {d.files.description}")
    timeout = max(ctx.session.limits.call_seconds, 60.0 * epochs)
    result = ctx.session.call(name, *plan.args, timeout=timeout, with_globals=set_globals, **plan.kwargs)
    how = []
    if set_globals:
        how.append(f"module globals {', '.join(f'{k}={v}' for k, v in set_globals.items())}")
    if plan.used:
        how.append("arguments " + ", ".join(v for r, v in plan.used.items() if r in HYPERPARAMETERS + ("w",)))
    if not result.ok:
        return call_failed(result, signature=SPEC_SIGNATURE)
    blocks, note = weights_blocks(state, result.value)
    if blocks is None:
        return Outcome(0.0, f"train {note}", hint="train returns the packed weights w after the last epoch")
    start = evaluation.initial_blocks(blocks[0].shape[0], INIT_SEED)
    if note:
        ctx.note(f"train {note}.")
    if unset:
        ctx.note(f"train has no parameter or module global for {', '.join(unset)}; for the fixed-setting check "
                 "your own values were used.")
    return TrainRun(blocks, result.seconds, blocks[0].shape[0],
                    evaluation.evaluate(start, d.loss_X, d.loss_Y)[0] if "w" in plan.used else math.log(10),
                    evaluation.evaluate(blocks, d.loss_X, d.loss_Y)[0], evaluation.evaluate(blocks, d.val_X, d.val_Y),
                    "; set " + " and ".join(how) if how else "", note or None, tuple(unset),
                    evaluation.symmetric(blocks))



def train_run(ctx: CheckContext) -> TrainRun | Outcome:
    """The fixed-setting run both (a) train items judge."""
    return run_train_check(ctx.state)


SYMMETRY = ("every hidden unit has the same weights: the weights were initialised to all zeros (or one constant), "
            "so the hidden units stay identical forever (the symmetry problem). Initialise W1 and W2 randomly, "
            "e.g. N(0, 1/sqrt(fan_in))")


def why_not_learning(state: Hw6Submission, run: TrainRun) -> str:
    """Causes the grader can see for a run that did not learn: dead hidden
    units, and a gradCE n times too large."""
    causes = []
    W1, b1 = run.blocks[0], run.blocks[1]
    with np.errstate(all="ignore"):
        active = ((W1 @ state.ctx.fact(load_data).loss_X[:, :2000] + b1[:, None]) > 0).any(axis=1)
    if np.isfinite(W1).all() and not active.any():
        causes.append("every hidden unit is dead (its relu is 0 on every training example), which too large "
                      "steps cause")
    if state.summed_gradient:
        causes.append("your gradCE sums the weight gradients over the minibatch instead of averaging them (part "
                      "(a)), so each step at lr 0.1 with batch 64 is 64 times too large")
    return "; ".join(causes)


@check
def train_lowers_loss(ctx: CheckContext) -> Outcome:
    state: Hw6Submission = ctx.state
    run = ctx.fact(train_run)
    if isinstance(run, Outcome):
        return run
    before, after = run.before, run.after
    text = (f"training CE {before:.4g} before, {after:.4g} after ({run.hidden} hidden units, "
            f"{run.seconds:.1f} s{run.how})")
    why = why_not_learning(state, run) if not after < before * 0.9 else ""
    why = f". Likely cause: {why}" if why else ""
    if math.isnan(after) or after > 10 * before:
        return Outcome(0.0, f"the loss exploded{' to NaN/inf' if math.isnan(after) else ''} during training ({text})"
                            f"{why}", hint="with lr 0.1 the loss must stay finite: is the gradient averaged over the "
                                           "batch, and the softmax shifted by its max?", mistakes=("diverged",))
    if run.symmetric:
        return Outcome(0.0 if after >= before else 0.5, f"{text}: {SYMMETRY}",
                       hint="initialise the weights randomly, not with zeros", mistakes=("symmetric-init",))
    if after < before * 0.9:
        return Outcome(1.0, text)
    if after < before:
        # Credit in proportion to the cut, up to the 10% asked for: a run that
        # only learned the class frequencies (CE 2.303 -> 2.301) earns ~nothing.
        cut = (before - after) / before
        return Outcome(min(0.5, cut / 0.1), f"{text}: lowered by {cut:.1%}, less than the 10% asked for{why}",
                       hint="one SGD pass at lr 0.1 should cut the loss a lot")
    return Outcome(0.0, f"{text}: not lowered{why}",
                   hint="average the gradient over the minibatch so that lr 0.1 takes sensible steps" if why else
                   "each step must move w against the gradient: w -= lr * grad")


@check
def train_accuracy(ctx: CheckContext) -> Outcome:
    state: Hw6Submission = ctx.state
    run = ctx.fact(train_run)
    if isinstance(run, Outcome):
        return run
    floor = float(ctx.settings.fixed_accuracy)
    ce, acc = run.val
    text = f"validation accuracy {acc:.2%} (CE {ce:.4g}) after the fixed-setting run; floor {floor:.0%}"
    if acc < floor and not run.symmetric and (why := why_not_learning(state, run)):
        text += f". Likely cause: {why}"
    if run.symmetric:
        text += f": {SYMMETRY}"
    fraction = ramp(acc, floor=0.2, threshold=floor)
    return Outcome(fraction, text, hint=None if fraction >= 1 else
                   "check gradCE first (part (a) items), then the SGD loop: shuffle, step through minibatches, "
                   "w -= lr * (gradient + alpha * W)")
