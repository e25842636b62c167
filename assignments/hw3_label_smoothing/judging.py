"""How hw3_label_smoothing judges a gradient or an updated parameter: right,
a named mistake (with partial credit where the step still goes the right
way), or wrong. The right answer and what each usual mistake gives are passed
in: at the example they are published, on hidden networks the reference
computes them. Nothing here knows the gradients' formulas."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grader.checks.cases import Case, VectorLayout, Verdict
from grader.checks.numeric import Comparison, as_array, compare

from .network import GRADIENTS, PARAMETERS, Instance, Params

PARTIAL = 0.5
"""Credit for a part whose only fault is a named slip that keeps the
direction: the labels smoothed the wrong way, ReLU'(0) = 1, a transposed
gradient, a constant factor, a step without eta. A sign flip, NaN or numbers
rounded by hand earn nothing."""

SMOOTHING_HINT = "smooth the labels as the handout does: ys = (1 - eps) y + eps/q, every class gets eps/q"


@dataclass(frozen=True)
class Slip:
    """A usual mistake: its stable tag and what it is, in course terms."""

    tag: str
    says: str


MISTAKES: dict[str, Slip] = {
    "hard-labels": Slip("hard-labels", "the hard labels y were used instead of the smoothed labels ys"),
    "eps-over-q-missing": Slip("eps-over-q-missing", "the labels were smoothed as (1 - eps) y: the + eps/q is missing"),
    "eps-over-q-minus-1": Slip("eps-over-q-minus-1", "eps/(q - 1) was added to every class instead of eps/q"),
    "eps-over-q-minus-1-others": Slip("eps-over-q-minus-1", "eps/(q - 1) was spread over the other classes only, "
                                                            "(1 - eps) y + eps/(q - 1) (1 - y), instead of eps/q "
                                                            "over all q classes"),
    "relu-prime-at-zero": Slip("relu-prime-at-zero", "ReLU'(0) was taken as 1 where h is exactly 0"),
}
"""By key (``network.LABEL_MISTAKES`` and the reference's ``mistakes.variants``)."""

HINTS = {
    "hard-labels": "smooth first: ys = (1 - eps) y + eps/q, and use ys wherever the label enters the loss",
    "eps-over-q-missing": SMOOTHING_HINT,
    "eps-over-q-minus-1": SMOOTHING_HINT,
    "relu-prime-at-zero": "this course takes ReLU'(0) = 0: a hidden unit with h = 0 passes no gradient (h > 0, "
                          "not h >= 0)",
    "softmax-overflow": "shift the logits before exp: exp(z - max(z)) / sum(exp(z - max(z))) is the same softmax "
                        "and never overflows",
    "transposed": "each gradient has its parameter's shape: dL/dW1 is d x n like W1, dL/dW2 is n x q like W2",
    "sign": "L = -sum_i ys_i ln(yhat_i) has a minus sign: check the sign of dL/dz, and step against the gradient",
    "scaled": "a constant factor is off: L is a sum over the q outputs (not a mean) of ys_i ln(yhat_i)",
    "no-learning-rate": "one step is theta <- theta - eta * dL/dtheta: multiply the gradient by eta",
    "no-step": "update must return the parameters after the step theta - eta * dL/dtheta",
    "returned-gradient": "update must return the parameters after the step theta - eta * dL/dtheta, not the gradient",
    "rounded": "the checks compare to about 5 significant digits: compute the answers in your functions",
}
OVERFLOW = "contains NaN/inf at logits near 1000: the softmax overflows (exp(1000) is inf in float64)"

Grads = Params
"""(dW1, db1, dW2, db2), each shaped like its parameter."""


@dataclass(frozen=True)
class Mark:
    """The verdict on one part (one gradient, one updated parameter)."""

    credit: float
    name: str
    says: str
    """What is right or wrong with it, to follow the part's name."""
    mistake: str | None = None

    @property
    def message(self) -> str:
        return f"{self.name}: {self.says}"


def _options(want: np.ndarray) -> dict[str, Any]:
    # A matrix must keep its orientation even when one of its sides is 1.
    return {"allow_row_vector": want.ndim < 2, "atol": 1e-8 + 1e-7 * float(np.abs(want).max(initial=0.0))}


def _same(got: Any, want: np.ndarray) -> bool:
    return compare(got, want, **_options(want)).ok


def _named(got: Any, want: np.ndarray, variants: Mapping[str, np.ndarray]) -> Slip | None:
    """The usual mistake whose answer ``got`` is, if any (and if it is not also the right one)."""
    for key, other in variants.items():
        if _same(got, other) and not _same(other, want):
            return MISTAKES[key]
    return None


def _square_transposed(got: Any, want: np.ndarray) -> bool:
    array, _ = as_array(got)
    return (array is not None and want.ndim == 2 and array.shape == want.shape and want.shape[0] == want.shape[1]
            and not np.allclose(want, want.T) and np.allclose(array.T, want, rtol=1e-5, atol=1e-8))


def _rounded(got: Any, want: np.ndarray) -> bool:
    """Right to three significant digits but not to the tolerance: numbers typed in by hand."""
    array, _ = as_array(got)
    return array is not None and array.size == want.size and np.allclose(array.reshape(want.shape), want, rtol=1e-3,
                                                                          atol=1e-6)


def _scale(factor: float | None) -> bool:
    """A constant factor that keeps the direction and is not just rounding."""
    return factor is not None and factor > 0 and not math.isclose(factor, 1.0, rel_tol=0.01)


def _common(name: str, got: Any, want: np.ndarray, found: Comparison, large_logits: bool) -> Mark | None:
    """What a gradient and an updated parameter share: NaN and transposition."""
    if found.mistake == "nan":
        return Mark(0.0, name, OVERFLOW, "softmax-overflow") if large_logits else \
            Mark(0.0, name, found.message, "nan")
    if found.mistake == "transposed" or _square_transposed(got, want):
        return Mark(PARTIAL, name, f"transposed: it must have the shape of the parameter, {want.shape}", "transposed")
    return None


def _wrong(name: str, got: Any, want: np.ndarray, found: Comparison) -> Mark:
    """A wrong answer no usual mistake explains (perhaps numbers rounded by hand)."""
    if found.mistake is None and _rounded(got, want):
        return Mark(0.0, name, f"close, but not to the tolerance ({found.message}): numbers rounded or typed in? "
                               "compute them in your code", "rounded")
    return Mark(0.0, name, found.message, found.mistake)


def judge_gradient(name: str, got: Any, want: np.ndarray, variants: Mapping[str, np.ndarray], *, q: int,
                   large_logits: bool = False) -> Mark:
    """One gradient against the right one and those the usual mistakes give."""
    found = compare(got, want, factors={"q (a mean over the outputs instead of the sum)": q}, **_options(want))
    if found.ok:
        return Mark(1.0, name, found.message)
    common = _common(name, got, want, found, large_logits)
    if common is not None:
        return common
    slip = _named(got, want, variants)
    if slip is not None:
        return Mark(PARTIAL, name, f"what you get when {slip.says}", slip.tag)
    if found.mistake == "sign":
        return Mark(0.0, name, "the wrong sign (minus the gradient)", "sign")
    if found.mistake == "scaled" and _scale(found.factor):
        return Mark(PARTIAL, name, found.message, "scaled")
    return _wrong(name, got, want, found)


def judge_update(name: str, got: Any, theta: np.ndarray, grad: np.ndarray, eta: float,
                 variants: Mapping[str, np.ndarray], *, want: np.ndarray | None = None,
                 large_logits: bool = False) -> Mark:
    """One parameter after the step, against ``want`` (theta - eta * grad unless
    published). The step itself is compared (a step is small next to a bias
    near 1000), and a wrong one with the usual mistakes' steps and with eta or
    the sign missed."""
    want = theta - eta * grad if want is None else want
    found = compare(got, want, **_options(want))
    common = _common(name, got, want, found, large_logits)
    if common is not None:
        return common
    if found.mistake in ("shape", "type", "none"):
        return Mark(0.0, name, found.message, found.mistake)
    array = np.asarray(as_array(got)[0]).reshape(want.shape)
    step = compare(array - theta, want - theta, **_options(want - theta))
    if step.ok:
        return Mark(1.0, name, f"step {step.message}")
    slip = _named(array - theta, want - theta, {key: -eta * g for key, g in variants.items()})
    if slip is not None:
        return Mark(PARTIAL, name, f"stepped with the gradient you get when {slip.says}", slip.tag)
    if not np.any(array - theta):
        return Mark(0.0, name, "unchanged: no step was taken", "no-step")
    if _same(array, grad):
        return Mark(0.0, name, "the gradient, not the parameter after the step", "returned-gradient")
    if step.mistake == "sign":
        return Mark(0.0, name, "moved up the gradient (theta + eta dL/dtheta): a descent step subtracts", "sign")
    if step.mistake == "scaled" and step.factor is not None and math.isclose(step.factor, 1 / eta, rel_tol=1e-4):
        return Mark(PARTIAL, name, f"stepped without the learning rate (theta - dL/dtheta; eta = {eta:g})",
                    "no-learning-rate")
    if step.mistake == "scaled" and _scale(step.factor):
        return Mark(PARTIAL, name, f"the step is {step.factor:.4g} times -eta dL/dtheta", "scaled")
    if found.ok:  # right to the tolerance of the parameter's size, but not the step (a bias near 1000)
        return Mark(0.0, name, f"the step {step.message}", step.mistake)
    return _wrong(name, got, want, found)


def grouped(marks: Sequence[Mark], shown: int = 3) -> str:
    """The wrong parts' messages, parts that are wrong the same way named together."""
    groups: dict[str, list[str]] = {}
    for mark in marks:
        if mark.credit < 1:
            groups.setdefault(mark.says, []).append(mark.name)
    return "; ".join(f"{', '.join(names)}: {says}" for says, names in list(groups.items())[:shown])


# -- tuples of parts, as cases ------------------------------------------------------
def parts_of(got: Any, names: Sequence[str], function: str) -> Sequence[Any] | str:
    """The returned tuple's parts, or what is wrong with it."""
    if got is None:
        return f"{function} returned None (a missing `return` statement?)"
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        size = f"{len(got)} items" if isinstance(got, (tuple, list)) else f"a {type(got).__name__}"
        return f"{function} must return the tuple ({', '.join(names)}); it returned {size}"
    return got


def verdict(marks: Sequence[Mark]) -> Verdict:
    """The parts' marks as one case's verdict: mean credit, wrong parts named."""
    mistakes = tuple(dict.fromkeys(mark.mistake for mark in marks if mark.credit < 1 and mark.mistake))
    hint = next((HINTS[tag] for tag in mistakes if tag in HINTS), None)
    return Verdict(sum(mark.credit for mark in marks) / len(marks), grouped(marks) or "ok", hint, mistakes=mistakes)


def gradient_marks(got: Any, inst: Instance, want: Grads, variants: Mapping[str, Grads]) -> list[Mark] | str:
    parts = parts_of(got, GRADIENTS, "gradients")
    if isinstance(parts, str):
        return parts
    return [judge_gradient(f"dL/d{PARAMETERS[k]}", parts[k], want[k], {key: v[k] for key, v in variants.items()},
                           q=inst.sizes[2], large_logits=inst.large_logits) for k in range(4)]


def update_marks(got: Any, inst: Instance, grads: Grads, variants: Mapping[str, Grads],
                 after: Params | None = None) -> list[Mark] | str:
    """``after``: the parameters after the step, when they are published."""
    parts = parts_of(got, PARAMETERS, "update")
    if isinstance(parts, str):
        return parts
    theta: Params = inst.params
    return [judge_update(PARAMETERS[k], parts[k], theta[k], grads[k], inst.eta,
                         {key: v[k] for key, v in variants.items()}, want=after[k] if after else None,
                         large_logits=inst.large_logits) for k in range(4)]


def _case(label: str, args: Callable[[VectorLayout], tuple[Any, ...]],
          marks: Callable[[Any], list[Mark] | str]) -> Case:
    def judge(got: Any, layout: VectorLayout) -> Verdict:
        found = marks(got)
        return Verdict(0.0, found) if isinstance(found, str) else verdict(found)

    return Case(label, args, judge)


def gradient_case(inst: Instance, want: Grads, variants: Mapping[str, Grads], label: str | None = None) -> Case:
    return _case(label or inst.label, inst.gradient_args, lambda got: gradient_marks(got, inst, want, variants))


def update_case(inst: Instance, grads: Grads, variants: Mapping[str, Grads], label: str | None = None,
                after: Params | None = None) -> Case:
    return _case(label or inst.label, inst.update_args, lambda got: update_marks(got, inst, grads, variants, after))
