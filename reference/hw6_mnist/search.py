"""Parts of hw6_mnist that train on MNIST: the (a) train checks, (b) the
hyperparameter search and (c) test performance of the chosen setting.

The child only ever gets the training split (or the quick profile's subset)
and the validation split, memory-mapped. Every trial's weights come back on
the spy channel and are judged by the grader's own forward pass; the test
set is loaded here, in the grader, for (c) only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.grading import CheckContext, sibling
from grader.rubric import Outcome, ramp
from grader.sandbox import NpyFile



adapt = sibling(__file__, "adapt")
solution = sibling(__file__, "solution")
network = sibling(__file__, "network")

CHECK_SETTING = {"lr": 0.1, "batch": 64, "alpha": 0.0}
MIN_SETTINGS = 10
LOSS_ROWS = 10_000
"""Training examples the grader evaluates the training loss on (the first ones)."""


# -- data ---------------------------------------------------------------------
def training_files(profile: Any, data_dir: Path) -> tuple[Path, Path, str] | None:
    """(images, labels, description) of the profile's training data."""
    from grader import datasets

    ds = datasets.available("mnist", data_dir=data_dir)
    if ds is None:
        return None
    size = int(profile.settings.get("train_subset", 0) or 0)
    if size:
        sub = datasets.subset(ds, "train", size=size, method="stratified", seed=0)
        return sub.images_path, sub.labels_path, sub.description
    return ds.path("train", "images"), ds.path("train", "labels"), "mnist/train: all 55,000 examples"


@dataclass
class Data:
    train_images: Path
    train_labels: Path
    description: str
    val_images: Path
    val_labels: Path
    n_train: int
    n_val: int
    loss_X: np.ndarray      # (784, m) columns, float64: training-loss probe
    loss_Y: np.ndarray
    val_X: np.ndarray
    val_Y: np.ndarray


def data(ctx: CheckContext) -> Data:
    if "data" not in ctx.shared:
        ds = ctx.dataset("mnist")
        images, labels, description = training_files(ctx.profile, ctx.data_dir)
        tr_x = np.load(images, mmap_mode="r")
        tr_y = np.load(labels, mmap_mode="r")
        ctx.shared["data"] = Data(
            images, labels, description, ds.path("validation", "images"), ds.path("validation", "labels"),
            len(tr_y), len(ds.load("validation", "labels")),
            np.asarray(tr_x[:LOSS_ROWS], dtype=np.float64).T, np.asarray(tr_y[:LOSS_ROWS], dtype=np.float64).T,
            np.asarray(ds.load("validation", "images"), dtype=np.float64).T,
            np.asarray(ds.load("validation", "labels"), dtype=np.float64).T)
    return ctx.shared["data"]


def evaluate(blocks: tuple[np.ndarray, ...], X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """The grader's own forward pass: (mean unregularised CE, accuracy)."""
    w = solution.pack(*blocks)
    with np.errstate(all="ignore"):
        ce = solution.fCE(X, Y, w)
        acc = solution.accuracy(X, Y, w)
    return (ce if math.isfinite(ce) else float("nan")), acc


def _oriented_data(ctx: CheckContext, d: Data) -> dict[str, Any]:
    orientation = network.data_orientation(ctx)
    trX, trY = adapt.orient(NpyFile(str(d.train_images)), NpyFile(str(d.train_labels)), orientation)
    vX, vY = adapt.orient(NpyFile(str(d.val_images)), NpyFile(str(d.val_labels)), orientation)
    return {"trainX": trX, "trainY": trY, "valX": vX, "valY": vY}


def initial_weights(ctx: CheckContext, hidden: int) -> np.ndarray:
    """The course's initialisation, packed in the student's layout."""
    layout, _ = network.detect_layout(ctx, hidden)
    return layout.pack(solution.unpack(solution.initial_weights(hidden, seed=541)))


def weights_blocks(ctx: CheckContext, value: Any, layout_hint: Any = None) -> tuple[tuple[np.ndarray, ...] | None, str]:
    """Canonical blocks from what train returned, and how they were read."""
    norm = adapt.normalise_blocks(value)
    if norm is None and isinstance(value, (list, tuple)) and value:
        norm = adapt.normalise_blocks(value[0])
    if norm is not None:
        return norm[0], "returned the blocks (W1, b1, W2, b2)"
    for candidate in _candidate_sizes(value):
        hidden = adapt.hidden_for(candidate)
        if hidden is None:
            continue
        vector, note = adapt.packed_vector(value, candidate)
        if vector is None:
            continue
        layout = _layout_for(ctx, hidden, layout_hint)
        return layout.blocks(vector), note or ""
    return None, f"returned {_describe(value)}, not weights packed like w"


def _candidate_sizes(value: Any) -> list[int]:
    items = value if isinstance(value, (list, tuple)) else [value]
    sizes = []
    for item in list(items[:1]) + list(items[-1:]):
        if isinstance(item, np.ndarray) and item.size not in sizes:
            sizes.append(int(item.size))
    return sizes


def _layout_for(ctx: CheckContext, hidden: int, live: bool | Any = None) -> Any:
    key = f"layout:{hidden}"
    if key in ctx.shared:
        return ctx.shared[key][0]
    base, _ = network.detect_layout(ctx) if live is None else (live, "")
    family = base.family()
    if live is not None:  # mid-call: the child is busy, use the kind of layout seen in part (a)
        return adapt.Layout.standard(hidden, family.w1_transposed, family.w2_transposed) if family else \
            adapt.Layout.standard(hidden)
    saved = ctx.session.get("NUM_HIDDEN")
    ctx.session.set(NUM_HIDDEN=hidden)
    layout, _ = network.detect_layout(ctx, hidden)
    if "NUM_HIDDEN" in saved:
        ctx.session.set(NUM_HIDDEN=saved["NUM_HIDDEN"])
    return layout


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


def _symmetric(blocks: tuple[np.ndarray, ...]) -> bool:
    W1 = blocks[0]
    return W1.shape[0] > 1 and float(np.abs(W1 - W1[:1]).max()) < 1e-12


# -- the (a) train checks ---------------------------------------------------------
def _train_plan(ctx: CheckContext, values: dict[str, Any]) -> tuple[Any, dict[str, Any], list[str]]:
    """A call plan for train, plus the module globals to set for
    hyperparameters the signature lacks, plus notes."""
    params = ctx.imported.functions.get("train")
    plan = adapt.plan_call(params, values, what="train",
                           expected=f"{adapt.SPEC_SIGNATURE} or the template's {adapt.TEMPLATE_SIGNATURE}")
    if plan.problem:
        return plan, {}, []
    found = ctx.session.get(*adapt.GLOBAL_CANDIDATES)
    by_role = adapt.hyper_globals(found)
    set_globals, notes = {}, []
    for r in adapt.HYPERPARAMETERS:
        if r in plan.used or r not in values:
            continue
        if r in by_role:
            set_globals[by_role[r]] = adapt.cast(r, values[r])
        elif r != "alpha":
            notes.append(r)
    return plan, set_globals, notes


def run_train_check(ctx: CheckContext) -> dict[str, Any] | Outcome:
    if "train_check" in ctx.shared:
        return ctx.shared["train_check"]
    if not ctx.defines("train"):
        outcome = Outcome(0.0, f"train is not defined; expected {adapt.SPEC_SIGNATURE}")
        ctx.shared["train_check"] = outcome
        return outcome
    d = data(ctx)
    hidden = network.hidden_units(ctx)
    epochs = int(ctx.profile.settings.get("train_check_epochs", 1))
    values = dict(_oriented_data(ctx, d), w=initial_weights(ctx, hidden), hidden=hidden, epochs=epochs, **CHECK_SETTING)
    plan, set_globals, unset = _train_plan(ctx, values)
    if plan.problem:
        outcome = Outcome(0.0, plan.problem, hint=f"use {adapt.SPEC_SIGNATURE}")
        ctx.shared["train_check"] = outcome
        return outcome
    saved = ctx.session.get(*set_globals)
    if set_globals:
        ctx.session.set(**set_globals)
    ctx.report("message", f"  train check: {hidden} hidden units, lr 0.1, batch 64, {epochs} epoch(s) on {d.description}")
    timeout = max(ctx.session.limits.call_seconds, 60.0 * epochs) if hasattr(ctx.session, "limits") else 120.0
    result = ctx.session.call("train", *plan.args, timeout=timeout, **plan.kwargs)
    if saved:
        ctx.session.set(**saved)
    how = []
    if set_globals:
        how.append(f"module globals {', '.join(f'{k}={v}' for k, v in set_globals.items())}")
    if plan.used:
        how.append("arguments " + ", ".join(f"{v}" for r, v in plan.used.items() if r in adapt.HYPERPARAMETERS + ("w",)))
    if not result.ok:
        outcome = call_failed(result, signature=adapt.SPEC_SIGNATURE)
        ctx.shared["train_check"] = outcome
        return outcome
    blocks, note = weights_blocks(ctx, result.value)
    if blocks is None:
        outcome = Outcome(0.0, f"train {note}", hint="train returns the packed weights w after the last epoch")
        ctx.shared["train_check"] = outcome
        return outcome
    W0 = solution.unpack(solution.initial_weights(blocks[0].shape[0], seed=541))
    found = {"blocks": blocks, "seconds": result.seconds, "hidden": blocks[0].shape[0],
             "before": evaluate(W0, d.loss_X, d.loss_Y)[0] if "w" in plan.used else math.log(10),
             "after": evaluate(blocks, d.loss_X, d.loss_Y)[0], "val": evaluate(blocks, d.val_X, d.val_Y),
             "how": "; set " + " and ".join(how) if how else "", "note": note, "unset": unset,
             "symmetric": _symmetric(blocks)}
    if note:
        ctx.note(f"train {note}.")
    if unset:
        ctx.note(f"train has no parameter or module global for {', '.join(unset)}; for the fixed-setting check "
                 "your own values were used.")
    ctx.shared["train_check"] = found
    return found


def _symmetry_message(found: dict[str, Any]) -> str:
    return ("every hidden unit has the same weights: the weights were initialised to all zeros (or one "
            "constant), so the hidden units stay identical forever (the symmetry problem). Initialise W1 and W2 "
            "randomly, e.g. N(0, 1/sqrt(fan_in))")


def _why_not_learning(ctx: CheckContext, found: dict[str, Any]) -> str:
    """Causes the grader can see for a run that did not learn: dead hidden
    units, and a gradient already found n times too large in part (a)."""
    causes = []
    W1, b1 = found["blocks"][0], found["blocks"][1]
    d = data(ctx)
    with np.errstate(all="ignore"):
        active = ((W1 @ d.loss_X[:, :2000] + b1[:, None]) > 0).any(axis=1)
    if np.isfinite(W1).all() and not active.any():
        causes.append("every hidden unit is dead (its relu is 0 on every training example), which too large "
                      "steps cause")
    verdicts = ctx.shared.get("gradients")
    if isinstance(verdicts, list) and any(v.mistake == "summed" for block in verdicts for v in block):
        causes.append("your gradCE sums the weight gradients over the minibatch instead of averaging them (part "
                      "(a)), so each step at lr 0.1 with batch 64 is 64 times too large")
    return "; ".join(causes)


def train_lowers_loss(ctx: CheckContext) -> Outcome:
    found = run_train_check(ctx)
    if isinstance(found, Outcome):
        return found
    before, after = found["before"], found["after"]
    text = (f"training CE {before:.4g} before, {after:.4g} after ({found['hidden']} hidden units, "
            f"{found['seconds']:.1f} s{found['how']})")
    why = _why_not_learning(ctx, found) if not after < before * 0.9 else ""
    why = f". Likely cause: {why}" if why else ""
    if math.isnan(after) or after > 10 * before:
        return Outcome(0.0, f"the loss exploded{' to NaN/inf' if math.isnan(after) else ''} during training ({text}){why}",
                       hint="with lr 0.1 the loss must stay finite: is the gradient averaged over the batch, and "
                            "the softmax shifted by its max?")
    if found["symmetric"]:
        return Outcome(0.0 if after >= before else 0.5, f"{text}: {_symmetry_message(found)}",
                       hint="initialise the weights randomly, not with zeros")
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


def train_accuracy(ctx: CheckContext) -> Outcome:
    found = run_train_check(ctx)
    if isinstance(found, Outcome):
        return found
    floor = float(ctx.profile.settings.get("train_check_accuracy", 0.9))
    ce, acc = found["val"]
    text = f"validation accuracy {acc:.2%} (CE {ce:.4g}) after the fixed-setting run; floor {floor:.0%}"
    if acc < floor and not found["symmetric"] and (why := _why_not_learning(ctx, found)):
        text += f". Likely cause: {why}"
    if found["symmetric"]:
        text += f": {_symmetry_message(found)}"
    fraction = ramp(acc, floor=0.2, threshold=floor)
    return Outcome(fraction, text, hint=None if fraction >= 1 else
                   "check gradCE first (part (a) items), then the SGD loop: shuffle, step through minibatches, "
                   "w -= lr * (gradient + alpha * W)")
