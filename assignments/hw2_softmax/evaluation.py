"""The grader's own arithmetic for hw2_softmax: softmax regression's logits and
accuracy (its cross-entropy is the core's, ``grader.training.models``: one
softmax layer), and random problems for the checks. Student code never runs here.

Images are rows (n, d), labels one-hot rows (n, k), W (d, k), b (k,)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def logits(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) @ W + b


def accuracy(W: np.ndarray, b: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
    return float(np.mean(logits(W, b, X).argmax(axis=1) == np.asarray(Y).argmax(axis=1)))


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
