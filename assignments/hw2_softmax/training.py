"""Fashion-MNIST for hw2_softmax, as the course's starter code prepares it:
pixels mapped from 0..255 to [-0.5, 0.5], labels one-hot, and a validation
split carved from the training file (stratified, seed 0) for the
hyperparameter search. The child gets these as memory-mapped files; the test
split stays in the grader. Also the fixed-setting training run (2.6) and the
test-set evaluation of the chosen model (2.8)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.checks import coerce, figures
from grader.checks.data import hand_over
from grader.checks.diagnostics import call_failed
from grader.checks.numeric import as_array
from grader.checks.signature import HYPERPARAMETERS, plan_call
from grader.context import CheckContext
from grader.rubric import Outcome, ramp

from . import evaluation
from .student import SIGNATURES

if TYPE_CHECKING:
    from grader.datasets import LocalDataset

    from .state import Hw2State

DATASET = "fashion_mnist"
STUB_KEYWORDS = {"lr": "learning_rate", "batch": "batch_size", "epochs": "nepochs", "alpha": "alpha"}
"""The stub's names of the hyperparameters, for a ``**kwargs`` train function."""
FEATURES, CLASSES = 784, 10


@dataclass(frozen=True)
class Files:
    """The files the child reads: images and both label encodings, per split."""

    train_images: Path
    train_onehot: Path
    train_index: Path
    val_images: Path
    val_onehot: Path
    val_index: Path
    n_train: int
    n_val: int
    description: str

    def all(self) -> list[Path]:
        return [self.train_images, self.train_onehot, self.train_index, self.val_images, self.val_onehot,
                self.val_index]


def _rows(ds: LocalDataset, settings: Any) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, validation rows) of the training file."""
    from grader.datasets.subset import train_validation_rows

    return train_validation_rows(np.asarray(ds.load("train", "labels")), CLASSES,
                                 validation_size=settings.validation_size, train_subset=settings.train_subset)


def files(settings: Any, data_dir: Path) -> Files | None:
    """The prepared files for these settings, made on first use."""
    from grader import datasets

    ds = datasets.available(DATASET, data_dir=data_dir)
    if ds is None:
        return None
    train, val = _rows(ds, settings)
    sources = [("train", "images"), ("train", "labels")]

    def made(part: str, rows: np.ndarray) -> tuple[Path, Path, Path]:
        images = datasets.derived(ds, f"{part}-images", lambda: (np.asarray(ds.load("train", "images"), np.float32)
                                                                 [rows] / np.float32(255) - np.float32(0.5)), sources)
        index = datasets.derived(ds, f"{part}-labels-index",
                                 lambda: np.asarray(ds.load("train", "labels"), np.int64)[rows], sources)
        onehot = datasets.derived(ds, f"{part}-labels-onehot",
                                  lambda: np.eye(CLASSES, dtype=np.float32)[np.asarray(ds.load("train", "labels"))[rows]],
                                  sources)
        return images, onehot, index

    part = f"train{len(train)}-val{len(val)}"
    train_files = made(f"{part}-train", train)
    val_files = made(f"{part}-validation", val)
    subset = f"a stratified {len(train):,}-image subset of the " if settings.train_subset else "the "
    description = (f"{subset}training file less a stratified validation split of {len(val):,} (seed 0): "
                   f"{len(train):,} training images, pixels scaled to [-0.5, 0.5], labels one-hot")
    return Files(*train_files, *val_files, len(train), len(val), description)


def child_files(profile: Any, settings: Any, data_dir: Path) -> list[Path]:
    """The training and validation files: all the child may read. Never the test split."""
    found = files(settings, data_dir)
    return found.all() if found is not None else []


@dataclass(frozen=True)
class Data:
    files: Files
    val_X: np.ndarray
    val_Y: np.ndarray


def load_data(ctx: CheckContext) -> Data:
    found = files(ctx.settings, ctx.data_dir or Path())
    assert found is not None, "the item should declare needs = ['fashion_mnist']"
    return Data(found, np.load(found.val_images, mmap_mode="r"), np.load(found.val_onehot, mmap_mode="r"))


def handed_over(state: Hw2State) -> dict[str, Any]:
    """The data as the student's functions take it (labels one-hot, or as
    class numbers when that is what their functions expect)."""
    f = state.data.files
    index = state.conventions.index_labels
    return {"trainX": hand_over(f.train_images, rows=True),
            "trainY": hand_over(f.train_index if index else f.train_onehot, rows=True),
            "valX": hand_over(f.val_images, rows=True),
            "valY": hand_over(f.val_index if index else f.val_onehot, rows=True)}


def read_model(value: Any) -> tuple[tuple[np.ndarray, np.ndarray] | None, str | None]:
    """(W (784, 10), b (10,)) from what train_softmax_classifier returned: a
    tuple starting with W and b, or a dict with W and b; and how it was read."""
    if isinstance(value, dict):
        keys = {str(k).lower(): v for k, v in value.items()}
        value = (keys.get("w"), keys.get("b")) if "w" in keys and "b" in keys else None
    if not isinstance(value, (tuple, list)) or len(value) < 2:
        return None, f"returned {coerce.describe(value)}, not a tuple starting with W and b"
    W, b = as_array(value[0])[0], as_array(value[1])[0]
    if W is None or b is None or W.ndim != 2 or b.size != CLASSES:
        return None, "did not return W (784, 10) and b (10,) as its first two items"
    if W.shape == (CLASSES, FEATURES):
        W = W.T
    if W.shape != (FEATURES, CLASSES):
        return None, f"returned W of shape {W.shape}, not (784, 10)"
    return (W, b.reshape(CLASSES)), None


# -- 2.6: one run at a fixed, sensible setting -----------------------------------------
@dataclass(frozen=True)
class TrainRun:
    W: np.ndarray
    b: np.ndarray
    seconds: float
    val: tuple[float, float]
    setting: str


def fixed_values(settings: Any) -> dict[str, Any]:
    return {"lr": settings.train_check_learning_rate, "batch": settings.train_check_batch_size,
            "epochs": settings.train_check_epochs, "alpha": 0.0}


def run_fixed(state: Hw2State) -> TrainRun | Outcome:
    ctx = state.ctx
    if not ctx.defines("train_softmax_classifier"):
        return Outcome(0.0, f"train_softmax_classifier is not defined; expected {SIGNATURES['train_softmax_classifier']}")
    values = {**handed_over(state), **fixed_values(ctx.settings)}
    plan = plan_call(ctx.signature("train_softmax_classifier"), values, what="train_softmax_classifier",
                     expected=SIGNATURES["train_softmax_classifier"], keywords=STUB_KEYWORDS)
    if plan.problem:
        return Outcome(0.0, plan.problem, hint=f"use {SIGNATURES['train_softmax_classifier']}")
    unused = [r for r in HYPERPARAMETERS if r in values and r not in plan.used and r != "alpha"]
    if unused:
        ctx.note(f"train_softmax_classifier has no parameter for the {', '.join(unused)}; for the fixed-setting run "
                 "its own defaults were used.")
    shown = f"learning rate {values['lr']:g}, batch {values['batch']}, {values['epochs']} epochs, alpha 0"
    ctx.report(f"  fixed-setting run: {shown}, on {state.data.files.description}")
    timeout = max(ctx.session.limits.call_seconds, 60.0 * values["epochs"])
    result = ctx.session.call("train_softmax_classifier", *plan.args, timeout=timeout, **plan.kwargs)
    if not result.ok:
        return call_failed(result, signature=SIGNATURES["train_softmax_classifier"])
    model, problem = read_model(result.value)
    if model is None:
        return Outcome(0.0, f"train_softmax_classifier {problem}",
                       hint="return W and b first: return W, b (more items after them are fine)")
    d = state.data
    return TrainRun(*model, result.seconds, evaluation.evaluate(*model, d.val_X, d.val_Y), shown)


def train_fixed(ctx: CheckContext) -> Outcome:
    state: Hw2State = ctx.state
    run = state.train_run
    if isinstance(run, Outcome):
        return run
    ce, acc = run.val
    floor = ctx.settings.train_check_accuracy
    text = (f"validation accuracy {acc:.2%} (CE {ce:.4g}) after {run.setting} ({run.seconds:.1f} s); "
            f"floor {floor:.0%}")
    if math.isnan(ce):
        return Outcome(0.0, f"{text}: the loss exploded to NaN/inf", mistakes=("diverged",),
                       hint="a gradient averaged over the batch and a softmax shifted by its max keep lr 0.1 stable")
    fraction = ramp(acc, floor=0.2, threshold=floor)
    return Outcome(fraction, text, hint=None if fraction >= 1 else
                   "check compute_gradient first (P1), then the SGD loop: shuffle, step through minibatches, "
                   "W -= lr * dW, b -= lr * db")


# -- 2.8: the chosen model on the test set -----------------------------------------------
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
"""Fashion-MNIST's labels 0-9, for the report's confusion matrix."""


@dataclass(frozen=True)
class TestFigures:
    ce: float
    accuracy: float
    text: str


def test_figures(state: Hw2State) -> TestFigures | Outcome:
    """The chosen search trial's model (or, without a search, the
    fixed-setting run's) on the test set, which only the grader loads."""
    ctx = state.ctx
    chosen = state.chosen_model
    if isinstance(chosen, Outcome):
        return chosen
    (W, b), label = chosen
    ds = ctx.dataset(DATASET)
    X = np.asarray(ds.load("test", "images"), dtype=np.float64) / 255.0 - 0.5
    Y = np.eye(CLASSES)[np.asarray(ds.load("test", "labels"))]
    ce, acc = evaluation.evaluate(W, b, X, Y)
    s = ctx.settings
    figures.leave_test(ctx, model=label, predicted=evaluation.logits(W, b, X).argmax(1), labels=Y.argmax(1),
                       images=X, classes=CLASS_NAMES, measured={
                           "test accuracy": figures.threshold(acc, threshold=s.test_accuracy,
                                                              floor=s.test_accuracy_floor, lower_is_better=False),
                           "test CE": {"value": ce}})
    text = (f"{label}: test accuracy {acc:.2%}, test CE {ce:.4f} (the grader's evaluation of the W, b it returned; "
            f"{ctx.profile.name} profile)")
    ctx.report("  " + text)
    return TestFigures(ce, acc, text)


def test_accuracy(ctx: CheckContext) -> Outcome:
    state: Hw2State = ctx.state
    found = state.test_figures
    if isinstance(found, Outcome):
        return found
    s = ctx.settings
    fraction = ramp(found.accuracy, floor=s.test_accuracy_floor, threshold=s.test_accuracy)
    return Outcome(fraction, f"{found.text}; full credit at {s.test_accuracy:.0%}, none at "
                             f"{s.test_accuracy_floor:.0%} or below",
                   hint=None if fraction >= 1 else "a better learning rate, more epochs, or a search over more settings")
