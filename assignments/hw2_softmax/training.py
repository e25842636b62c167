"""Problem 2's training of hw2_softmax on the core's training pipeline
(``grader.training``): Fashion-MNIST as the course's starter code prepares it
(pixels in [-0.5, 0.5], labels one-hot, a stratified validation split of the
training file), the fixed-setting run (2.6), findBestHyperparameters with
train_softmax_classifier spied on (2.7; its wandb runs feed problem 3) and the
chosen model on the test set (2.8). What is softmax regression's own: how W
and b are read from what the student returns, and the grader's evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks import coerce
from grader.checks.numeric import as_array
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.training import models
from grader.training.fixed import Fixed
from grader.training.pipeline import Pipeline
from grader.training.search import Search, choice_by_value
from grader.training.settings import effective_settings
from grader.training.split import Split, SplitData, handed_over
from grader.training.testset import TestSet

from . import evaluation
from .student import SIGNATURES, Hw2Submission

SEARCH, TRAIN = "findBestHyperparameters", "train_softmax_classifier"
FEATURES, CLASSES = 784, 10
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
"""Fashion-MNIST's labels 0-9, for the report's confusion matrix."""
SPLIT = Split("fashion_mnist", CLASSES, offset=-0.5, with_index=True)


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


def _evaluate(model: Any, X: Any, Y: Any) -> tuple[float, float]:
    W, b = model
    return models.evaluate([(W, b, "softmax")], X, Y)


def _vector(model: Any) -> np.ndarray:
    W, b = model
    return np.concatenate([np.ravel(W), np.ravel(b)])


FIXED = Fixed(TRAIN, SIGNATURES[TRAIN], read_model, _evaluate,
              keywords={"lr": "learning_rate", "batch": "batch_size", "epochs": "nepochs", "alpha": "alpha"},
              returns_hint="return W and b first: return W, b (more items after them are fine)",
              values=lambda s: {"lr": s.fixed_learning_rate, "batch": s.fixed_batch_size, "epochs": s.fixed_epochs,
                                "alpha": 0.0})
SEARCHED = Search(
    SEARCH, TRAIN, SIGNATURES[SEARCH], features=FEATURES, evaluate=_evaluate, vector=_vector, read=read_model,
    missing=Outcome(0.0, "findBestHyperparameters is not defined (a search under `if __name__ == \"__main__\":` "
                         "cannot be called)", mistakes=("no-search",),
                    hint="add findBestHyperparameters(train_images, train_labels, val_images, val_labels): call "
                         "train_softmax_classifier once per setting (at least 9), compare them on the validation "
                         "data and return the best setting as a dict of train_softmax_classifier's keyword "
                         "arguments"),
    scoped_note="{name} takes no data arguments; the grader set the module globals trainX, trainY, valX, valY (and "
                "their usual spellings) to the training and validation data before calling it.")


def handed(ctx: CheckContext, data: SplitData) -> dict[str, Any]:
    """The data as the student's functions take it (labels as class numbers when that is what they expect)."""
    student: Hw2Submission = ctx.state
    return handed_over(data, index_labels=student.conventions.index_labels)


PIPELINE = Pipeline(
    choose=lambda found: choice_by_value(found, SEARCHED), split=SPLIT, fixed=FIXED, searched=SEARCHED, handed=handed,
    test=TestSet(lambda model, X: evaluation.logits(*model, X).argmax(1), CLASS_NAMES, or_fixed=True,
                 how="the grader's evaluation of the W, b it returned"),
    effective=lambda ctx, found: effective_settings(found.trials, lambda t: _vector(t.result)),
    hints={"fixed_learns": "check compute_gradient first (P1), then the SGD loop: shuffle, step through minibatches, "
                           "W -= lr * dW, b -= lr * db",
           "fixed_learns.diverged": "a gradient averaged over the batch and a softmax shifted by its max keep lr 0.1 "
                                    "stable",
           "test_accuracy": "a better learning rate, more epochs, or a search over more settings"})
"""2.6 (training.fixed_learns), 2.7 (training.settings_tried) and 2.8 (training.test_accuracy) are the core's."""
