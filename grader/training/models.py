"""The grader's own forward pass for the dense networks students return, as
plain layers ``(W (inputs, outputs), b (outputs,), activation)`` with examples
as rows, and the figures every training item judges: mean cross-entropy and
accuracy. The last layer's output always goes through a softmax. Student code
never runs here."""

from __future__ import annotations

from typing import Sequence

import numpy as np

Layer = tuple[np.ndarray, np.ndarray, str]
ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear", "softmax")


def activate(z: np.ndarray, name: str) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))
    if name == "tanh":
        return np.tanh(z)
    return z  # linear; softmax is applied to the last layer's output


def log_probabilities(layers: Sequence[Layer], X: np.ndarray) -> np.ndarray:
    """Log class probabilities (n, classes)."""
    h = np.asarray(X, dtype=np.float64)
    with np.errstate(all="ignore"):
        for i, (W, b, name) in enumerate(layers):
            z = h @ W + b
            h = z if i == len(layers) - 1 else activate(z, name)
        top = h.max(axis=1, keepdims=True)
        return h - top - np.log(np.exp(h - top).sum(axis=1, keepdims=True))


def evaluate(layers: Sequence[Layer], X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) with one-hot ``Y``; a network whose
    outputs are not finite has NaN cross-entropy and accuracy 0."""
    logp = log_probabilities(layers, X)
    with np.errstate(all="ignore"):
        ce = float(-np.mean(np.sum(np.asarray(Y) * logp, axis=1)))
    labels = np.argmax(Y, axis=1)
    accuracy = float(np.mean(np.argmax(logp, axis=1) == labels)) if np.isfinite(logp).all() else 0.0
    return (ce if np.isfinite(ce) else float("nan")), accuracy
