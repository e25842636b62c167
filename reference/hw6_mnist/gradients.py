"""The gradCE checks of hw6_mnist: each gradient block against the reference on
hidden random networks, and gradCE against finite differences of the
student's own fCE.

A wrong block is compared with the gradients the usual mistakes produce, so
the feedback can name the mistake in course terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.numeric import compare
from grader.grading import CheckContext, sibling
from grader.rubric import Outcome

adapt = sibling(__file__, "adapt")
solution = sibling(__file__, "solution")
network = sibling(__file__, "network")



def _variants(inst: network.Instance) -> dict[str, tuple[np.ndarray, ...]]:
    """Gradients the usual mistakes produce (canonical blocks, averaged)."""
    W1, b1, W2, b2 = inst.blocks
    X, Y, n = inst.X, inst.Y, inst.n
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]

    def grads(yhat: np.ndarray, dmask: np.ndarray, h_for_w2: np.ndarray) -> tuple[np.ndarray, ...]:
        delta = (yhat - Y) / n
        g = (W2.T @ delta) * dmask
        return g @ X.T, g.sum(1), delta @ h_for_w2.T, delta.sum(1)

    yhat = solution.softmax(z2)
    glob = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    mask = (z1 > 0).astype(float)
    return {
        "relu' taken as the sign of z1 (it must be 1 where z1 > 0 and 0 elsewhere, never -1)": grads(yhat, np.sign(z1), h1),
        "relu' missing (the hidden layer's gradient must be masked by relu'(z1))": grads(yhat, np.ones_like(z1), h1),
        "relu' computed in place: it overwrote the activations h1, so dW2 used relu'(z1) instead of h1":
            grads(yhat, mask, mask),
        "the softmax is normalised over the whole matrix instead of per example (column)": grads(glob, mask, h1),
    }

@dataclass(frozen=True)
class BlockVerdict:
    credit: float
    message: str
    mistake: str | None = None

def _judge_block(k: int, got: np.ndarray, raw_segment: np.ndarray, inst: network.Instance, want: np.ndarray,
                 variants: dict[str, tuple[np.ndarray, ...]]) -> BlockVerdict:
    name = "d" + adapt.BLOCKS[k]
    tol = dict(rtol=network.RTOL, atol=1e-6 * max(1e-12, float(np.abs(want).max())))
    found = compare(got, want, factors={"the batch size n": inst.n}, **tol)
    if found.ok:
        return BlockVerdict(1.0, f"{name} {found.message}")
    if found.mistake == "nan":
        return BlockVerdict(0.0, f"{name} {found.message}", "nan")
    if found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, inst.n, rtol=1e-3):
        return BlockVerdict(network.PARTIAL, f"{name} is n times too large (n = {inst.n})", "summed")
    if k in (0, 2) and want.ndim == 2:
        other = raw_segment.reshape(want.shape[::-1]).T
        if np.allclose(other, want, **tol):
            return BlockVerdict(network.PARTIAL, f"{name} is packed transposed: gradCE stores it as "
                                         f"{want.shape[::-1]} but your unpack reads that block as {want.shape}",
                                "transposed")
    param = inst.blocks[k]
    diff = got - want
    denom = float(np.sum(param * param))
    if denom > 0:
        coef = float(np.sum(diff * param) / denom)
        if abs(coef) > 1e-9 and np.allclose(got, want + coef * param, **tol):
            if k in (1, 3):
                return BlockVerdict(0.0, f"{name} includes a regularisation term {coef:.3g} * {adapt.BLOCKS[k]}: "
                                         "biases are not regularised", "bias-regularised")
            return BlockVerdict(network.PARTIAL, f"{name} includes a regularisation term {coef:.3g} * "
                                         f"{adapt.BLOCKS[k]}", "regularised")
    for mistake, grads in variants.items():
        if np.allclose(got, grads[k], **tol) and not np.allclose(grads[k], want, **tol):
            return BlockVerdict(0.0, f"{name} is wrong: {mistake}", mistake)
    return BlockVerdict(0.0, f"{name} {found.message}")

def gradient_verdicts(ctx: CheckContext) -> Outcome | list[list[BlockVerdict]]:
    """Per block (W1, b1, W2, b2), one verdict per random instance; computed
    once and shared by the four block items."""
    if "gradients" in ctx.shared:
        return ctx.shared["gradients"]
    problem = network.required_problem(ctx, "gradCE")
    if problem is not None:
        ctx.shared["gradients"] = problem
        return problem
    layout, _ = network.detect_layout(ctx)
    orientation = ctx.shared.get("orientation") or ctx.shared.get("orientation_guess")
    if orientation is None:
        orientation = network._gradient_orientation(ctx, layout)
    verdicts: list[list[BlockVerdict]] = [[] for _ in adapt.BLOCKS]
    notes = set()
    for inst in network.instances(ctx):
        result = network.call_loss(ctx, "gradCE", inst, orientation, layout)
        if not result.ok:
            outcome = call_failed(result, signature=network.FUNCTIONS["gradCE"])
            if result.error is not None and result.error.kind in ("missing", "budget") or \
                    result.error.exc_type == "NotImplementedError":
                ctx.shared["gradients"] = outcome
                return outcome
            row = _after_fce(ctx, inst, orientation, layout, solution.unpack(
                solution.gradCE(inst.X, inst.Y, inst.w))) or [BlockVerdict(0.0, outcome.output, "error")] * 4
            for k in range(4):
                verdicts[k].append(row[k])
            continue
        blocks, raw, note = network.student_gradient(result.value, layout)
        if note:
            notes.add(note)
        if blocks is None:
            for k in range(4):
                verdicts[k].append(BlockVerdict(0.0, f"gradCE returned {type(result.value).__name__} "
                                                     f"that is not a vector of length {layout.size} like w"))
            continue
        want = solution.unpack(solution.gradCE(inst.X, inst.Y, inst.w))
        variants = _variants(inst)
        row = [_judge_block(k, blocks[k], raw[np.sort(layout.index[k].ravel())], inst, want[k], variants)
               for k in range(4)]
        if all(v.credit < 1 for v in row):
            row = _after_fce(ctx, inst, orientation, layout, want) or row
        if any(v.mistake == "regularised" for v in row):
            row = _confirm_zero_regularisation(ctx, inst, orientation, layout, want, row)
        for k in range(4):
            verdicts[k].append(row[k])
    for note in notes:
        ctx.note(f"gradCE {note}.")
    ctx.shared["gradients"] = verdicts
    return verdicts

def _after_fce(ctx: CheckContext, inst: network.Instance, orientation: str, layout: Any,
               want: tuple[np.ndarray, ...]) -> list[BlockVerdict] | None:
    """A gradient that is only right right after fCE ran on the same data
    keeps state in globals."""
    if not ctx.defines("fCE") or not network.call_loss(ctx, "fCE", inst, orientation, layout).ok:
        return None
    again = network.call_loss(ctx, "gradCE", inst, orientation, layout)
    blocks = network.student_gradient(again.value, layout)[0] if again.ok else None
    if blocks is None or not all(np.allclose(b, t, rtol=network.RTOL, atol=1e-9) for b, t in zip(blocks, want)):
        return None
    message = ("gradCE is only right when fCE has just run on the same data: it reads values fCE left in "
               "globals. Compute z1, h1 and yhat inside gradCE")
    return [BlockVerdict(0.0, message, "state") for _ in range(4)]

def _confirm_zero_regularisation(ctx: CheckContext, inst: network.Instance, orientation: str, layout: Any,
                                 want: tuple[np.ndarray, ...], row: list[BlockVerdict]) -> list[BlockVerdict]:
    params = ctx.imported.functions.get("gradCE") or []
    names = [p["name"] for p in params[3:] if p["default"] and adapt.role(p["name"]) == "alpha"]
    if not names:
        return [BlockVerdict(v.credit, v.message + " (regularisation applied inside gradCE: gradCE must return "
                                                    "the unregularised gradient; train adds alpha * W)", v.mistake)
                for v in row]
    X, Y = adapt.orient(inst.X, inst.Y, orientation)
    again = ctx.session.call("gradCE", X, Y, layout.pack(inst.blocks), **{name: 0.0 for name in names})
    blocks = network.student_gradient(again.value, layout)[0] if again.ok else None
    fixed = blocks is not None and all(np.allclose(b, t, rtol=network.RTOL, atol=1e-9) for b, t in zip(blocks, want))
    suffix = (f" by default ({', '.join(names)} defaults to non-zero; correct with {names[0]}=0): gradCE(X, Y, w) "
              "must return the unregularised gradient" if fixed else "")
    return [BlockVerdict(v.credit, v.message + suffix, v.mistake) for v in row]

def _summary_message(k: int, verdicts: list[list[BlockVerdict]]) -> str | None:
    """Course-terms message for a mistake seen across blocks."""
    mistakes = [{v.mistake for v in block} for block in verdicts]
    if "summed" in mistakes[0] and "summed" in mistakes[2] and mistakes[1] == {None} and mistakes[3] == {None} \
            and all(v.credit == 1 for v in verdicts[1] + verdicts[3]):
        return ("dW1 and dW2 are n times too large: the batch gradient must be averaged, as b1 and b2 "
                "already are")
    if all("summed" in m for m in mistakes):
        return "every block is n times too large: the batch gradient must be averaged over the n examples"
    return None

def grade_block(ctx: CheckContext, k: int) -> Outcome:
    verdicts = gradient_verdicts(ctx)
    if isinstance(verdicts, Outcome):
        return verdicts
    layout, _ = network.detect_layout(ctx)
    mine = verdicts[k]
    credit = sum(v.credit for v in mine) / len(mine)
    name = "d" + adapt.BLOCKS[k]
    adapted = not layout.canonical or ctx.shared.get("orientation", "columns") != "columns"
    if credit >= 1:
        return Outcome(network.adaptation(ctx, 1.0, adapted), f"{name} matches the reference on {len(mine)} random networks "
                                                      "(reference verified against finite differences)")
    wrong = [v for v in mine if v.credit < 1]
    summary = _summary_message(k, verdicts)
    text = summary if summary and any(v.mistake == "summed" for v in wrong) else wrong[0].message
    hint = {
        "summed": "divide by the number of examples n in every gradient block",
        "regularised": "leave regularisation to train: gradCE returns the gradient of fCE only",
        "bias-regularised": "regularise the weights only: grad_W += alpha W, the biases get no term",
        "transposed": "pack the gradient exactly as pack packs w: the gradient of W1 has W1's shape",
        "nan": "the gradient has NaN/inf: shift the logits by their max before exp in the softmax",
    }.get(wrong[0].mistake or "", "g^T = ((yhat - y)^T W2) * relu'(z1^T); grad_W1 = g x^T, grad_W2 = (yhat - y) h1^T, "
                                   "averaged over the batch")
    return Outcome(network.adaptation(ctx, credit, adapted),
                   f"{name}: {len(mine) - len(wrong)} of {len(mine)} random networks correct. {text}", hint=hint)

def finite_differences(ctx: CheckContext) -> Outcome:
    """Directional derivatives of your fCE against your gradCE, block by block."""
    for function in ("fCE", "gradCE"):
        problem = network.required_problem(ctx, function)
        if problem is not None:
            return problem
    layout, _ = network.detect_layout(ctx)
    orientation = ctx.shared.get("orientation") or ctx.shared.get("orientation_guess") or "columns"
    inst = network.instances(ctx)[0]
    rng = ctx.rng("a.7")
    w = layout.pack(inst.blocks)
    grad = network.call_loss(ctx, "gradCE", inst, orientation, layout)
    if not grad.ok:
        outcome = call_failed(grad, signature=network.FUNCTIONS["gradCE"])
        verdicts = ctx.shared.get("gradients")
        if isinstance(verdicts, list) and any(v.mistake == "state" for block in verdicts for v in block):
            return Outcome(0.0, f"{outcome.output} (gradCE used values fCE left in globals from other data: "
                                "gradCE must compute z1, h1 and yhat itself)", hint=outcome.hint)
        return outcome
    vector, _ = adapt.packed_vector(grad.value, layout.size)
    if vector is None:
        norm = adapt.normalise_blocks(grad.value, layout.hidden)
        if norm is None:
            return Outcome(0.0, f"gradCE did not return a vector of length {layout.size} like w")
        vector = layout.pack(norm[0])
    agree, lines = 0, []
    eps = 1e-4
    for k, name in enumerate(adapt.BLOCKS):
        ok = True
        for _ in range(2):
            direction = np.zeros(layout.size)
            positions = layout.index[k].ravel()
            step = rng.normal(size=positions.size)
            direction[positions] = step / np.linalg.norm(step)
            values, dtype_eps = [], 2.2e-16
            for sign in (1, -1):
                result = network.call_loss(ctx, "fCE", inst, orientation, layout, w=w + sign * eps * direction)
                value, _ = adapt.scalar(result.value) if result.ok else (None, False)
                values.append(value)
                dtype_eps = max(dtype_eps, _float_eps(result.value)) if result.ok else dtype_eps
            if any(v is None for v in values):
                return Outcome(0.0, "fCE did not return a number, so gradCE cannot be checked against it")
            numeric = (values[0] - values[1]) / (2 * eps)
            analytic = float(vector @ direction)
            tol = 1e-3 * max(abs(numeric), abs(analytic)) + 1e-6 + 8 * dtype_eps * abs(values[0]) / eps
            if not (np.isfinite(numeric) and abs(numeric - analytic) <= tol):
                ok = False
                lines.append(f"{name}: finite difference {numeric:.6g} vs gradCE {analytic:.6g}")
                break
        agree += ok
    if agree == 4:
        return Outcome(1.0, "gradCE agrees with central differences of your fCE along random directions in "
                            "W1, b1, W2 and b2 (scipy.optimize.check_grad would agree)")
    return Outcome(agree / 4, f"{4 - agree} of 4 blocks disagree with finite differences of your own fCE: "
                              + "; ".join(lines), hint="check_grad(fCE, gradCE, w) should be near 0: the gradient "
                                                       "of the loss you compute is not what gradCE returns")

def _float_eps(value: Any) -> float:
    """Machine epsilon of the float type fCE computed in (float32 losses are noisier)."""
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    dtype = getattr(value, "dtype", None)
    return float(np.finfo(dtype).eps) if dtype is not None and dtype.kind == "f" else 2.2e-16
