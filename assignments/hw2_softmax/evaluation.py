"""The grader's own arithmetic for hw2_softmax: softmax regression's
probabilities, cross-entropy and accuracy for the weights a submission
returns, and random problems for the checks. Student code never runs here.

Images are rows (n, d), labels one-hot rows (n, k), W (d, k), b (k,)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def logits(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) @ W + b


def cross_entropy(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray, alpha: float = 0.0) -> float:
    """Mean cross-entropy, plus (alpha / 2) ||W||^2 when alpha is given."""
    z = logits(W, b, X)
    top = z.max(axis=1, keepdims=True)
    log_p = (z - top) - np.log(np.exp(z - top).sum(axis=1, keepdims=True))
    return float(-np.sum(Y * log_p) / len(z) + 0.5 * alpha * np.sum(W * W))


def accuracy(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean(logits(W, b, X).argmax(axis=1) == np.asarray(Y).argmax(axis=1)))


def evaluate(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """(mean unregularised CE, accuracy); a CE that overflowed is NaN."""
    with np.errstate(all="ignore"):
        ce = cross_entropy(W, b, X, Y)
        acc = accuracy(W, b, X, Y)
    return (ce if np.isfinite(ce) else float("nan")), acc


@dataclass(frozen=True)
class Problem:
    """Weights and a batch for the function checks."""

    W: np.ndarray       # (d, k)
    b: np.ndarray       # (k,)
    X: np.ndarray       # (n, d)
    Y: np.ndarray       # (n, k) one-hot

    @property
    def n(self) -> int:
        return len(self.X)

    @property
    def labels(self) -> np.ndarray:
        """The labels as class numbers 0..k-1."""
        return self.Y.argmax(axis=1)


def random_problem(rng: np.random.Generator, n: int, d: int = 784, k: int = 10) -> Problem:
    """Pixel-like images in [-0.5, 0.5], weights of a partly trained model."""
    X = rng.random((n, d)) * (rng.random((n, d)) < 0.5) - 0.5
    Y = np.eye(k)[rng.integers(0, k, n)]
    return Problem(rng.normal(0, 0.05, (d, k)), rng.normal(0, 0.3, k), X, Y)
