"""The grader's own arithmetic for hw6_mnist: it evaluates the weights a
submission returns (validation and test cross-entropy and accuracy), draws
random networks and data for the part (a) checks, and makes the course's
initial weights. Student code never runs here.

Data arrays here have examples as columns: X (784, n), Y (10, n)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .layout import NUM_INPUT, NUM_OUTPUT, Blocks


def logits(blocks: Blocks, X: np.ndarray) -> np.ndarray:
    """z2 for every example: (10, n)."""
    W1, b1, W2, b2 = blocks
    hidden = np.maximum(W1 @ X + b1[:, None], 0)
    return W2 @ hidden + b2[:, None]


def forward(blocks: Blocks, X: np.ndarray) -> dict[str, np.ndarray]:
    """The forward pass's values by their course names: z1, h1 (H, n), z2, yhat (10, n)."""
    W1, b1, W2, b2 = blocks
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]
    return {"z1": z1, "h1": h1, "z2": z2, "yhat": np.exp(_log_probabilities(z2))}


def _log_probabilities(z: np.ndarray) -> np.ndarray:
    top = z.max(axis=0, keepdims=True)
    return (z - top) - np.log(np.exp(z - top).sum(axis=0, keepdims=True))


def cross_entropy(blocks: Blocks, X: np.ndarray, Y: np.ndarray) -> float:
    """Mean unregularised cross-entropy over the examples."""
    return float(-np.sum(Y * _log_probabilities(logits(blocks, X))) / X.shape[1])


def accuracy(blocks: Blocks, X: np.ndarray, Y: np.ndarray) -> float:
    z = logits(blocks, X)
    shifted = np.exp(z - z.max(axis=0, keepdims=True))
    probabilities = shifted / shifted.sum(axis=0, keepdims=True)
    return float(np.mean(probabilities.argmax(axis=0) == np.asarray(Y).argmax(axis=0)))


def evaluate(blocks: Blocks, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """(mean unregularised CE, accuracy); a CE that overflowed is NaN."""
    with np.errstate(all="ignore"):
        ce = cross_entropy(blocks, X, Y)
        acc = accuracy(blocks, X, Y)
    return (ce if math.isfinite(ce) else float("nan")), acc


def initial_blocks(hidden: int, seed: int) -> Blocks:
    """The course's initialisation: weights N(0, 1/sqrt(fan_in)), biases zero."""
    draw = np.random.default_rng(seed).normal
    first = draw(0, NUM_INPUT ** -0.5, (hidden, NUM_INPUT))
    second = draw(0, hidden ** -0.5, (NUM_OUTPUT, hidden))
    return first, np.zeros(hidden), second, np.zeros(NUM_OUTPUT)


@dataclass(frozen=True)
class Instance:
    """A random network and data for the part (a) checks."""

    X: np.ndarray      # (784, n)
    Y: np.ndarray      # (10, n)
    blocks: Blocks

    @property
    def n(self) -> int:
        return self.X.shape[1]


def random_instance(rng: np.random.Generator, hidden: int, n: int) -> Instance:
    """Sparse digit-like data and a network whose units are neither all dead nor saturated."""
    X = rng.random((NUM_INPUT, n)) * (rng.random((NUM_INPUT, n)) < 0.3)
    Y = np.eye(NUM_OUTPUT)[:, rng.integers(0, NUM_OUTPUT, n)]
    blocks = (rng.normal(0, 2 / np.sqrt(NUM_INPUT), (hidden, NUM_INPUT)), rng.normal(0, 0.3, hidden),
              rng.normal(0, 2 / np.sqrt(hidden), (NUM_OUTPUT, hidden)), rng.normal(0, 0.3, NUM_OUTPUT))
    return Instance(X, Y, blocks)


def symmetric(blocks: Blocks) -> bool:
    """Every hidden unit has the same incoming weights (the symmetry problem)."""
    W1 = blocks[0]
    return W1.shape[0] > 1 and float(np.abs(W1 - W1[:1]).max()) < 1e-12
