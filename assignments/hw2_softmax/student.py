"""The submission as hw2_softmax's checks see it, computed once on demand: how
each function must be called (its parameters matched by name, or the stub's
order), whether it takes labels one-hot (the course) or as class numbers,
whether it stores W as (784, 10) (the course) or (10, 784), and the L2
convention its loss uses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from grader.checks import coerce
from grader.checks.numeric import as_array
from grader.checks.signature import role
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.sandbox import CallResult
from grader.sandbox.session import Signature

from .evaluation import Problem

Slot = Literal["W", "b", "X", "Y", "alpha"]
SLOTS: tuple[Slot, ...] = ("W", "b", "X", "Y", "alpha")
SIGNATURES = {
    "softmax": "softmax(z) -> probabilities, one row per example",
    "cross_entropy_loss": "cross_entropy_loss(W, b, images, labels, alpha) -> float",
    "compute_gradient": "compute_gradient(W, b, images, labels, alpha) -> (dW, db)",
    "compute_accuracy": "compute_accuracy(W, b, images, labels) -> float",
    "train_softmax_classifier": "train_softmax_classifier(train_images, train_labels, val_images, val_labels, "
                                "learning_rate, batch_size, nepochs, alpha) -> (W, b, ...)",
    "findBestHyperparameters": "findBestHyperparameters(train_images, train_labels, val_images, val_labels) -> dict "
                               "of train_softmax_classifier's keyword arguments",
}
EXAMPLE_ALPHA = 0.1
RTOL = 1e-5


def _slot(name: str) -> Slot | None:
    key = re.sub(r"[_\s]", "", name.lower())
    if key in ("b", "bias", "biases", "b0", "bvec"):
        return "b"
    found = role(name)
    if found == "w":
        return "W"
    if found in ("trainX", "valX"):
        return "X"
    if found in ("trainY", "valY"):
        return "Y"
    if found == "alpha":
        return "alpha"
    return None


@dataclass(frozen=True)
class Plan:
    """How to call one of the W, b, images, labels[, alpha] functions."""

    positional: tuple[Slot, ...] = ()
    keywords: tuple[tuple[str, Slot], ...] = ()
    alpha: bool = False
    """The function takes a regularisation strength."""
    problem: str | None = None


def plan(params: Signature | None, function: str) -> Plan:
    """Match parameters to W, b, images, labels, alpha by name; parameters the
    names do not tell fall back to the stub's order."""
    if params is None:
        return Plan(problem=f"the signature of {function} could not be read; expected {SIGNATURES[function]}")
    named = {p.name: _slot(p.name) for p in params if not p.variadic}
    unknown_positional = [p for p in params if p.positional and named[p.name] is None]
    taken = {slot for slot in named.values() if slot}
    spare = [slot for slot in SLOTS if slot not in taken]
    for p in unknown_positional:  # the stub's order, for names that say nothing (w1, data, t...)
        if spare and not p.has_default:
            named[p.name] = spare.pop(0)
    positional: list[Slot] = []
    keywords: list[tuple[str, Slot]] = []
    for p in params:
        if p.variadic:
            continue
        slot = named[p.name]
        if slot is None:
            if not p.has_default:
                return Plan(problem=f"{function} has a required parameter {p.name!r} the grader cannot fill; "
                                    f"expected {SIGNATURES[function]}")
            continue
        if p.kind == "POSITIONAL_ONLY":
            positional.append(slot)
        else:
            keywords.append((p.name, slot))
    found = [slot for slot in positional] + [slot for _, slot in keywords]
    missing = [slot for slot in ("W", "b", "X", "Y") if slot not in found]
    if missing:
        return Plan(problem=f"{function}({', '.join(p.name for p in params)}) has no parameter for "
                            f"{', '.join(missing)}; expected {SIGNATURES[function]}")
    return Plan(tuple(positional), tuple(keywords), "alpha" in found)


@dataclass(frozen=True)
class Conventions:
    index_labels: bool = False
    """Labels as class numbers 0..9 instead of one-hot rows (n, 10)."""
    w_transposed: bool = False
    """W as (10, 784) instead of (784, 10) (and dW likewise)."""
    via: str | None = None

    def labels(self, Y: np.ndarray) -> np.ndarray:
        return Y.argmax(axis=1) if self.index_labels else Y

    def weights(self, W: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(W.T) if self.w_transposed else W

    def describe(self) -> str:
        parts = []
        if self.index_labels:
            parts.append("labels as class numbers 0..9 (the course passes one-hot rows (n, 10))")
        if self.w_transposed:
            parts.append("W as (10, 784) (the course's W is (784, 10))")
        return " and ".join(parts)


CANDIDATES = (Conventions(False, False), Conventions(False, True), Conventions(True, False), Conventions(True, True))


@dataclass(frozen=True)
class Example:
    """The handout's example (``public_checks.toml``) and its published answers."""

    problem: Problem
    logits: np.ndarray
    probabilities: np.ndarray
    loss: float
    loss_alpha: float
    dW: np.ndarray
    db: np.ndarray
    dW_alpha: np.ndarray
    db_alpha: np.ndarray
    accuracy: float


class Hw2Submission:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self._plans: dict[str, Plan] = {}

    def plan(self, function: str) -> Plan:
        if function not in self._plans:
            self._plans[function] = plan(self.ctx.signature(function), function) if self.ctx.defines(function) else \
                Plan(problem=f"{function} is not defined in the submission (expected: def {SIGNATURES[function]})")
        return self._plans[function]

    def unusable(self, function: str) -> Outcome | None:
        """Why ``function`` cannot be called at all; None if it can."""
        found = self.plan(function).problem
        if found is None:
            return None
        hint = f"define {SIGNATURES[function]} with exactly this name" if not self.ctx.defines(function) else \
            f"use {SIGNATURES[function]}"
        return Outcome(0.0, found, hint=hint)

    def call(self, function: str, problem: Problem, alpha: float | None = None,
             conventions: Conventions | None = None) -> CallResult | None:
        """``function`` on a problem, in the student's conventions; None when
        it has no parameter for a non-zero alpha."""
        found = self.plan(function)
        use = conventions or self.conventions
        values: dict[Slot, Any] = {"W": use.weights(problem.W), "b": problem.b, "X": problem.X,
                                   "Y": use.labels(problem.Y), "alpha": 0.0 if alpha is None else alpha}
        if alpha and not found.alpha:
            return None
        args = [values[slot] for slot in found.positional]
        kwargs = {name: values[slot] for name, slot in found.keywords}
        return self.session.call(function, *args, **kwargs)

    def weights_back(self, value: Any) -> np.ndarray | None:
        """A W-shaped answer (dW) in the course's orientation."""
        array, _ = as_array(value)
        if array is None:
            return None
        return array.T if self.conventions.w_transposed and array.ndim == 2 else array

    @cached_property
    def example(self) -> Example:
        raw = self.ctx.public["example"]
        arrays = {key: np.array(value, dtype=float) for key, value in raw.items()}
        problem = Problem(arrays["W"], arrays["b"], arrays["X"], np.eye(10)[arrays["labels"].astype(int)])
        return Example(problem, arrays["logits"], arrays["probabilities"], float(arrays["loss"]),
                       float(arrays["loss_alpha"]), arrays["dW"], arrays["db"], arrays["dW_alpha"],
                       arrays["db_alpha"], float(arrays["accuracy"]))

    @cached_property
    def conventions(self) -> Conventions:
        """The label encoding and W orientation in which the student's loss (or
        else gradient, or accuracy) gives the example's published answer."""
        example = self.example
        for function, matches in (("cross_entropy_loss", self._loss_matches), ("compute_gradient",
                                                                               self._gradient_matches),
                                  ("compute_accuracy", self._accuracy_matches)):
            if not self.ctx.defines(function) or self.plan(function).problem:
                continue
            for candidate in CANDIDATES:
                result = self.call(function, example.problem, conventions=candidate)
                if result is not None and result.ok and matches(result.value, candidate):
                    found = Conventions(candidate.index_labels, candidate.w_transposed, function)
                    if found.w_transposed:
                        self.ctx.note(f"Your functions take W as (10, 784), the transpose of the course's (784, 10); "
                                      f"the grader passed W that way throughout (read from your {function}).")
                    return found
        return Conventions()

    def _loss_matches(self, value: Any, candidate: Conventions) -> bool:
        found, _ = coerce.scalar(value)
        return found is not None and bool(np.isclose(found, self.example.loss, rtol=RTOL))

    def _gradient_matches(self, value: Any, candidate: Conventions) -> bool:
        pair = read_pair(value)
        if pair is None:
            return False
        dW = pair[0].T if candidate.w_transposed and pair[0].ndim == 2 else pair[0]
        return dW.shape == self.example.dW.shape and bool(np.allclose(dW, self.example.dW, rtol=RTOL, atol=1e-9))

    def _accuracy_matches(self, value: Any, candidate: Conventions) -> bool:
        found, _ = coerce.scalar(value)
        return found is not None and bool(np.isclose(found, self.example.accuracy))

    @cached_property
    def l2_factor(self) -> float | None:
        """c in the student's loss term c * alpha * ||W||^2, read at the example
        (the course's is 1/2); None if the loss cannot tell."""
        if not self.ctx.defines("cross_entropy_loss") or not self.plan("cross_entropy_loss").alpha:
            return None
        example = self.example
        values = []
        for alpha in (0.0, EXAMPLE_ALPHA):
            result = self.call("cross_entropy_loss", example.problem, alpha=alpha)
            value = coerce.scalar(result.value)[0] if result is not None and result.ok else None
            if value is None or not np.isfinite(value):
                return None
            values.append(value)
        return (values[1] - values[0]) / (EXAMPLE_ALPHA * float(np.sum(example.problem.W ** 2)))

    @cached_property
    def gradient_doubles(self) -> bool | None:
        """Whether the student's dW grows by 2 alpha W with alpha (True) or by
        alpha W (False), at the example; None if it cannot tell."""
        if not self.ctx.defines("compute_gradient") or not self.plan("compute_gradient").alpha:
            return None
        found = []
        for alpha in (0.0, EXAMPLE_ALPHA):
            result = self.call("compute_gradient", self.example.problem, alpha=alpha)
            pair = read_pair(result.value) if result is not None and result.ok else None
            dW = self.weights_back(pair[0]) if pair is not None else None
            if dW is None or dW.shape != self.example.problem.W.shape:
                return None
            found.append(dW)
        W = self.example.problem.W
        coef = float(np.sum((found[1] - found[0]) * W) / np.sum(W * W)) / EXAMPLE_ALPHA
        return True if np.isclose(coef, 2.0, rtol=1e-4) else False if np.isclose(coef, 1.0, rtol=1e-4) else None

    def adaptations(self) -> tuple[str, ...]:
        return ("W as (10, 784)",) if self.conventions.w_transposed else ()


def read_pair(value: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(dW, db) from what compute_gradient returned: a pair, or a dict with W/b keys."""
    if isinstance(value, dict):
        keys = {re.sub(r"[_\s]", "", str(k).lower()): v for k, v in value.items()}
        pick = [keys.get(name) for name in ("dw", "db")]
        value = pick if all(v is not None for v in pick) else None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return None
    arrays = [as_array(v)[0] for v in value]
    if arrays[0] is None or arrays[1] is None:
        return None
    return arrays[0], arrays[1]
