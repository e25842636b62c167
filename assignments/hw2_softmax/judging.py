"""Judging hw2_softmax's gradient and loss answers against expected values
(the published example's, or the hidden reference's), naming the usual
mistakes in course terms: dW transposed, the gradient not averaged (off by
n), a sign flipped, the alpha W term missing or doubled, biases regularised,
labels taken as class numbers, a softmax that overflows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from grader.checks.numeric import compare

from .evaluation import Problem

PARTIAL = 0.5
"""Credit for an answer whose only fault is its scale, its layout or its
label encoding: the direction of the gradient is right."""
GRADIENT_HINT = ("grad_W f = -(1/n) sum_i x_i (y_i - yhat_i)^T + alpha W and grad_b f = -(1/n) sum_i (y_i - yhat_i): "
                 "averaged over the batch, alpha on the weights only")
HINTS = {
    "transposed": "dW has W's shape (784, 10): X^T (Yhat - Y) / n, not its transpose",
    "summed": "divide by the number of examples n: the loss is a mean, so is its gradient",
    "sign": "the gradient of f is X^T (Yhat - Y) / n (yhat minus y); SGD then subtracts it",
    "l2-missing": "with L2 regularisation, dW gets + alpha W (the gradient of (alpha/2) ||W||^2)",
    "l2-inconsistent": "the gradient of (alpha/2) ||W||^2 is alpha W: match the gradient to your loss",
    "bias-regularised": "only the weights are regularised: db has no alpha term",
    "index-labels": "labels arrive one-hot, shape (n, 10): use them as rows of 0s and a 1, not as class numbers",
    "nan": "subtract each row's largest logit before exp: softmax(z) = softmax(z - max z)",
}


@dataclass(frozen=True)
class Verdict:
    credit: float
    message: str
    mistake: str | None = None
    note: str | None = None
    """A convention the student's answer follows consistently (said once, costs nothing)."""


def judge_dW(got: np.ndarray | None, want: np.ndarray, problem: Problem, alpha: float,
             l2_factor: float | None) -> Verdict:
    """dW against the expected gradient at strength ``alpha``; ``l2_factor``
    is c in the student's loss term c * alpha * ||W||^2 (None: unknown)."""
    if got is None:
        return Verdict(0.0, "dW is not an array of numbers")
    tol = dict(rtol=1e-5, atol=1e-8 * max(1.0, float(np.abs(want).max())))
    found = compare(got, want, factors={"the batch size n": problem.n}, allow_row_vector=False, **tol)
    if found.ok:
        return Verdict(1.0, f"dW {found.message}")
    if found.mistake == "transposed":
        return Verdict(PARTIAL, f"dW is transposed: expected {want.shape} like W, got {got.shape}", "transposed")
    if found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, problem.n, rtol=1e-3):
        return Verdict(PARTIAL, f"dW is n times too large (n = {problem.n}): the gradient is summed over the batch "
                                "instead of averaged", "summed")
    if found.mistake in ("sign", "nan"):
        return Verdict(0.0, f"dW {found.message}", found.mistake)
    if alpha and got.shape == want.shape:
        W = problem.W
        if np.allclose(got, problem.n * (want - alpha * W) + alpha * W, **tol):
            return Verdict(PARTIAL, f"dW's data term is n times too large (n = {problem.n}): the gradient is summed "
                                    "over the batch instead of averaged", "summed")
        coef = float(np.sum((got - want) * W) / np.sum(W * W))
        if np.allclose(got, want + coef * W, **tol):
            if np.isclose(coef, -alpha, rtol=1e-4):
                return Verdict(0.0, f"dW lacks the regularisation term alpha W (alpha = {alpha:g})", "l2-missing")
            if np.isclose(coef, alpha, rtol=1e-4):
                if l2_factor is not None and np.isclose(l2_factor, 1.0, rtol=1e-4):
                    return Verdict(1.0, "dW has 2 alpha W, the gradient of your loss's alpha ||W||^2",
                                   note="Your loss regularises with alpha ||W||^2 and your gradient with 2 alpha W: "
                                        "consistent, so it is graded as correct (the course writes (alpha/2) ||W||^2 "
                                        "and alpha W: the same model with alpha halved).")
                return Verdict(PARTIAL, "dW has 2 alpha W, but your loss's term is (alpha/2) ||W||^2, whose gradient "
                                        "is alpha W", "l2-inconsistent")
    return Verdict(0.0, f"dW {found.message}")


def judge_db(got: np.ndarray | None, want: np.ndarray, problem: Problem, alpha: float) -> Verdict:
    if got is None:
        return Verdict(0.0, "db is not an array of numbers")
    tol = dict(rtol=1e-5, atol=1e-8 * max(1.0, float(np.abs(want).max())))
    found = compare(got, want, factors={"the batch size n": problem.n}, **tol)
    if found.ok:
        return Verdict(1.0, f"db {found.message}")
    if found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, problem.n, rtol=1e-3):
        return Verdict(PARTIAL, f"db is n times too large (n = {problem.n}): summed instead of averaged", "summed")
    if found.mistake in ("sign", "nan"):
        return Verdict(0.0, f"db {found.message}", found.mistake)
    flat = np.asarray(got, dtype=float).reshape(want.shape) if np.size(got) == want.size else None
    if alpha and flat is not None and np.allclose(flat, want + alpha * problem.b, **tol):
        return Verdict(0.0, f"db includes alpha b (alpha = {alpha:g}): biases are not regularised",
                       "bias-regularised")
    return Verdict(0.0, f"db {found.message}")


def judge_loss(got: float | None, want: float, want_unregularised: float, problem: Problem, alpha: float,
               l2_factor: float | None, gradient_doubles: bool | None = None) -> Verdict:
    """A loss value against the expected one at strength ``alpha``."""
    if got is None:
        return Verdict(0.0, "the loss is not a number")
    text = f"got {got:.6g}, expected {want:.6g}"
    if not np.isfinite(got):
        return Verdict(0.0, f"{text}: not finite (log of a softmax that overflowed or underflowed to 0?)", "nan")
    if np.isclose(got, want, rtol=1e-6, atol=1e-10):
        return Verdict(1.0, f"matches ({got:.6g})")
    norm = float(np.sum(problem.W ** 2))
    if np.isclose(got, problem.n * want_unregularised + 0.5 * alpha * norm, rtol=1e-6):
        return Verdict(PARTIAL, f"{text}: n times too large, the cross-entropy must be averaged over the examples",
                       "summed")
    if alpha:
        if np.isclose(got, want_unregularised, rtol=1e-6):
            return Verdict(0.0, f"{text}: the (alpha/2) ||W||^2 term is missing", "l2-missing")
        if np.isclose(got, want_unregularised + alpha * norm, rtol=1e-6):
            if l2_factor is not None and gradient_doubles:
                return Verdict(1.0, "matches with alpha ||W||^2 (your gradient's 2 alpha W agrees)",
                               note="Your loss regularises with alpha ||W||^2 and your gradient with 2 alpha W: "
                                    "consistent, so it is graded as correct (the course writes (alpha/2) ||W||^2 "
                                    "and alpha W: the same model with alpha halved).")
            return Verdict(PARTIAL, f"{text}: the regularisation term is alpha ||W||^2, the course's is "
                                    "(alpha/2) ||W||^2", "l2-factor")
        if np.isclose(got, want + 0.5 * alpha * float(np.sum(problem.b ** 2)), rtol=1e-6):
            return Verdict(0.0, f"{text}: the biases are regularised too; only W is", "bias-regularised")
    return Verdict(0.0, text)
