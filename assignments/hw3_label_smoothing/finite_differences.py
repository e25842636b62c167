"""1.5: the student's gradients against central differences of their own
loss(forward(...)[3], smooth_labels(y, eps)), along random directions in W1,
b1, W2 and b2. It needs no reference: a gradient consistent with the
student's own loss earns it even where both differ from the course's."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks import coerce
from grader.checks.cases import LAYOUTS, VectorLayout, vec
from grader.checks.diagnostics import call_failed
from grader.checks.finite_diff import agree, float_eps
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.sandbox import CallResult

from .network import PARAMETERS, Instance, Params, random_instance, smoothed

SIGNATURES = {
    "gradients": "gradients(x, y, W1, b1, W2, b2, epsilon) -> (dW1, db1, dW2, db2)",
    "forward": "forward(x, W1, b1, W2, b2) -> (h, a, z, yhat)",
    "loss": "loss(yhat, ys)",
}
HINT = ("your gradients are not the derivatives of your own loss(forward(x, ...)[3], ys): re-derive the blocks "
        "that disagree (chain rule through softmax, W2, ReLU and W1)")


def _pack(params: Params) -> np.ndarray:
    return np.concatenate([np.asarray(p, dtype=float).ravel() for p in params])


def _unpack(w: np.ndarray, like: Params) -> Params:
    cuts = np.cumsum([p.size for p in like])[:-1]
    return tuple(part.reshape(p.shape) for part, p in zip(np.split(w, cuts), like))  # type: ignore[return-value]


def _block(value: Any, param: np.ndarray) -> np.ndarray | None:
    """A gradient block read in its parameter's layout (vectors as columns or
    flat), or None if it is not shaped like the parameter."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf" or value.size != param.size:
        return None
    if value.shape == param.shape or (param.ndim == 1 and (value.ndim == 1 or 1 in value.shape)):
        return value.astype(float).ravel()
    return None


class _Student:
    """The student's forward and loss at one instance, in the layout their forward takes."""

    def __init__(self, ctx: CheckContext, inst: Instance) -> None:
        self.ctx, self.inst = ctx, inst
        self.layout: VectorLayout = "column"
        self.ys: np.ndarray | None = None
        self.failed: CallResult | None = None
        """The first forward or loss call that raised while differentiating."""
        self.flat_loss = False
        """loss takes yhat and ys flat although forward returns columns."""

    def _forward(self, params: Params, layout: VectorLayout) -> CallResult:
        W1, b1, W2, b2 = params
        return self.ctx.session.call("forward", vec(self.inst.x, layout), W1, vec(b1, layout), W2, vec(b2, layout))

    def _yhat(self, result: CallResult) -> np.ndarray | None:
        value = result.value
        if not result.ok or not isinstance(value, (tuple, list)) or len(value) != 4:
            return None
        yhat = value[3]
        return yhat if isinstance(yhat, np.ndarray) and yhat.size == self.inst.sizes[2] else None

    def prepare(self) -> CallResult | None:
        """Find the layout forward takes and the student's smoothed labels; a failed call if forward has none."""
        first = None
        for layout in LAYOUTS:
            result = self._forward(self.inst.params, layout)
            if self._yhat(result) is not None:
                self.layout = layout
                break
            first = first or result
        else:
            return first
        labels = self.ctx.session.call("smooth_labels", vec(self.inst.y, self.layout), self.inst.epsilon)
        found = coerce.vector_of_size(labels.value, self.inst.y.size) if labels.ok else None
        if found is None or not np.all(np.isfinite(found)):
            self.ctx.note("1.5 used ys = (1 - eps) y + eps/q from the handout: your smooth_labels gave no labels.")
            found = smoothed(self.inst.y, self.inst.epsilon)
        self.ys = found
        yhat = self._yhat(result)
        assert yhat is not None
        self.flat_loss = yhat.ndim > 1 and not self._loss(yhat).ok and self._loss(yhat.ravel()).ok
        return None

    def _loss(self, yhat: np.ndarray) -> CallResult:
        assert self.ys is not None
        return self.ctx.session.call("loss", yhat, self.ys.reshape(yhat.shape))

    def loss_at(self, w: np.ndarray) -> tuple[float | None, float]:
        forward = self._forward(_unpack(w, self.inst.params), self.layout)
        yhat = self._yhat(forward)
        if yhat is None or self.ys is None:
            self.failed = self.failed or (forward if not forward.ok else None)
            return None, float_eps(None)
        result = self._loss(yhat.ravel() if self.flat_loss else yhat)
        if not result.ok:
            self.failed = self.failed or result
            return None, float_eps(None)
        return coerce.scalar(result.value)[0], float_eps(result.value)


def _one(ctx: CheckContext, inst: Instance, rng: np.random.Generator) -> Outcome | tuple[int, list[str]]:
    """How many of the four blocks agree at ``inst``, and what is wrong with the others."""
    student = _Student(ctx, inst)
    failed = student.prepare()
    if failed is not None:
        return call_failed(failed, signature=SIGNATURES["forward"]) if not failed.ok else Outcome(
            0.0, "forward did not return (h, a, z, yhat) with q probabilities, so the loss cannot be differentiated")
    grads = ctx.session.call("gradients", *inst.gradient_args(student.layout))
    if not grads.ok:
        return call_failed(grads, signature=SIGNATURES["gradients"])
    value = grads.value
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        return Outcome(0.0, "gradients must return the tuple (dW1, db1, dW2, db2)")
    blocks = [_block(part, param) for part, param in zip(value, inst.params)]
    wrong = [f"dL/d{name} has shape {np.shape(value[k])}, not {name}'s {inst.params[k].shape}"
             for k, name in enumerate(PARAMETERS) if blocks[k] is None]
    vector = np.concatenate([b if b is not None else np.zeros(p.size) for b, p in zip(blocks, inst.params)])
    cuts = np.cumsum([0] + [p.size for p in inst.params])
    found = agree(student.loss_at, _pack(inst.params), vector,
                  [(name, np.arange(cuts[k], cuts[k + 1])) for k, name in enumerate(PARAMETERS)], rng)
    if found is None:
        if student.failed is not None:
            return call_failed(student.failed, signature=SIGNATURES[student.failed.function])
        return Outcome(0.0, "your loss(forward(...)[3], ys) did not return a number, so the gradients cannot be "
                            "checked against it")
    wrong += [block.describe(f"dL/d{block.name}") for k, block in enumerate(found)
              if not block.agrees and blocks[k] is not None]
    return sum(1 for k, block in enumerate(found) if block.agrees and blocks[k] is not None), wrong


def finite_differences(ctx: CheckContext) -> Outcome:
    rng = ctx.public_rng("1.5")
    instances = [random_instance(rng, 3, 4, 3, margin=0.2), random_instance(rng, 2, 5, 4, margin=0.2)]
    agreeing, wrong = 0, []
    for inst in instances:
        found = _one(ctx, inst, rng)
        if isinstance(found, Outcome):
            return found
        agreeing += found[0]
        wrong += [f"{inst.label}: {line}" for line in found[1]]
    total = 4 * len(instances)
    if agreeing == total:
        return Outcome(1.0, f"gradients agree with central differences of your own loss(forward(...)) along random "
                            f"directions in W1, b1, W2 and b2 on {len(instances)} public networks")
    return Outcome(agreeing / total, f"{total - agreeing} of {total} blocks disagree with finite differences of your "
                                     "own loss(forward(...)): " + "; ".join(wrong[:3]), hint=HINT,
                   mistakes=("inconsistent",))
