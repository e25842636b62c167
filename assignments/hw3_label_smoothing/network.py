"""The network of hw3_label_smoothing as the checks see it: one instance
(input, one-hot label, parameters, epsilon, eta), how instances are drawn,
and the formulas the handout gives (smoothed labels, the forward pass, the
loss). The gradients are the homework: they are not here.

Shared by the public checks (the example, ``ctx.public_rng`` instances) and the
hidden ones (``ctx.hidden_rng`` instances, against the reference)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from grader.checks.cases import VectorLayout, vec

PARAMETERS = ("W1", "b1", "W2", "b2")
GRADIENTS = ("dW1", "db1", "dW2", "db2")
LARGE_LOGIT = 1000.0
"""Where an unshifted softmax overflows: exp(1000) is inf in float64."""

Params = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Instance:
    """One network and one training example; vectors are kept flat."""

    x: np.ndarray
    y: np.ndarray
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: np.ndarray
    epsilon: float
    eta: float = 0.1
    what: str = ""
    """What is special about it, for labels: "some h exactly 0", "logits near 1000"."""

    @property
    def params(self) -> Params:
        return self.W1, self.b1, self.W2, self.b2

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(d, n, q)."""
        return self.W1.shape[0], self.W1.shape[1], self.W2.shape[1]

    @property
    def large_logits(self) -> bool:
        return bool(np.max(np.abs(self.b2)) > LARGE_LOGIT / 2)

    @property
    def label(self) -> str:
        d, n, q = self.sizes
        return f"d={d}, n={n}, q={q}, eps={self.epsilon:g}" + (f" ({self.what})" if self.what else "")

    def network_args(self, layout: VectorLayout) -> tuple[Any, ...]:
        """(W1, b1, W2, b2) with the biases in ``layout``."""
        return self.W1, vec(self.b1, layout), self.W2, vec(self.b2, layout)

    def gradient_args(self, layout: VectorLayout) -> tuple[Any, ...]:
        """The arguments of gradients(x, y, W1, b1, W2, b2, epsilon)."""
        return (vec(self.x, layout), vec(self.y, layout), *self.network_args(layout), self.epsilon)

    def update_args(self, layout: VectorLayout) -> tuple[Any, ...]:
        return (*self.gradient_args(layout), self.eta)


def from_tables(table: Mapping[str, Any]) -> Instance:
    """The handout's example from the published answers."""
    flat = {key: np.asarray(table[key], dtype=float).ravel() for key in ("x", "y", "b1", "b2")}
    return Instance(flat["x"], flat["y"], np.asarray(table["W1"], dtype=float), flat["b1"],
                    np.asarray(table["W2"], dtype=float), flat["b2"], float(table["epsilon"]), float(table["eta"]))


# -- the handout's formulas ------------------------------------------------------
def smoothed(y: np.ndarray, epsilon: float) -> np.ndarray:
    """ys = (1 - eps) y + eps / q."""
    return (1 - epsilon) * y + epsilon / y.size


LABEL_MISTAKES: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "hard-labels": lambda y, eps: y.copy(),
    "eps-over-q-missing": lambda y, eps: (1 - eps) * y,
    "eps-over-q-minus-1": lambda y, eps: (1 - eps) * y + eps / (y.size - 1),
    "eps-over-q-minus-1-others": lambda y, eps: (1 - eps) * y + eps / (y.size - 1) * (1 - y),
}
"""The soft labels the usual slips give, by the key of their message (``judging.MISTAKES``)."""


def activations(inst: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(h, a, z, yhat): the forward pass the handout states."""
    h = inst.x @ inst.W1 + inst.b1
    a = np.where(h > 0, h, 0.0)
    z = a @ inst.W2 + inst.b2
    p = np.exp(z - z.max())
    return h, a, z, p / p.sum()


def cross_entropy(yhat: np.ndarray, ys: np.ndarray) -> float:
    return float(-(ys * np.log(yhat)).sum())


# -- drawing instances -------------------------------------------------------------
def one_hot(rng: np.random.Generator, q: int) -> np.ndarray:
    y = np.zeros(q)
    y[rng.integers(q)] = 1.0
    return y


def random_instance(rng: np.random.Generator, d: int, n: int, q: int, *, margin: float = 0.0,
                    logit_shift: float = 0.0) -> Instance:
    """Gaussian parameters. ``margin`` keeps every h at least that far from 0
    (finite differences must not cross ReLU's kink); ``logit_shift`` moves
    every logit by that much (an unshifted softmax overflows near 1000)."""
    x = rng.normal(size=d)
    W1 = rng.normal(size=(d, n)) / np.sqrt(d)
    b1 = rng.normal(size=n)
    h = x @ W1 + b1
    b1 = b1 + np.where(np.abs(h) < margin, np.where(h < 0, -2.0, 2.0) * margin, 0.0)
    W2 = rng.normal(size=(n, q)) / np.sqrt(n)
    b2 = rng.normal(size=q) + logit_shift
    eps = round(float(rng.uniform(0.05, 0.5)), 2)
    eta = float(rng.choice([0.01, 0.05, 0.1, 0.5]))
    what = f"logits near {logit_shift:g}" if logit_shift else ""
    return Instance(x, one_hot(rng, q), W1, b1, W2, b2, eps, eta, what)


def kinked_instance(rng: np.random.Generator, d: int, n: int, q: int, zeros: int) -> Instance:
    """Small integers, with exactly ``zeros`` hidden units at h = 0 (exact in
    floating point), where ReLU'(0) decides the gradient."""
    x = rng.choice([-2.0, -1.0, 1.0, 2.0, 3.0], size=d)
    W1 = rng.integers(-3, 4, size=(d, n)).astype(float)
    b1 = rng.integers(-3, 4, size=n).astype(float)
    h = x @ W1 + b1
    b1 = np.where(h == 0, b1 + 1.0, b1)
    at_zero = rng.choice(n, size=zeros, replace=False)
    b1[at_zero] = -(x @ W1)[at_zero]
    W2 = rng.integers(-2, 3, size=(n, q)).astype(float)
    b2 = rng.integers(-2, 3, size=q).astype(float)
    eps = float(rng.choice([0.1, 0.2, 0.25, 0.4]))
    return Instance(x, one_hot(rng, q), W1, b1, W2, b2, eps, 0.1, f"{zeros} of the h exactly 0")
