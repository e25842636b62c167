"""The fCE check of hw6_mnist: the loss against the reference on hidden random
networks, naming the usual mistakes (a default regulariser, a softmax over
the whole matrix, a sum instead of a mean)."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.grading import CheckContext, sibling
from grader.rubric import Outcome

adapt = sibling(__file__, "adapt")
solution = sibling(__file__, "solution")
network = sibling(__file__, "network")


def fce(ctx: CheckContext) -> Outcome:
    problem = network.required_problem(ctx, "fCE")
    if problem is not None:
        return problem
    layout, _ = network.detect_layout(ctx)
    cases = network.instances(ctx)
    orientation = ctx.shared.get("orientation")
    order = [orientation] if orientation else list(adapt.ORIENTATIONS)
    tupled = False
    first = cases[0]
    want = solution.fCE(first.X, first.Y, first.w)
    best_fail = None
    for candidate in order:
        result = network.call_loss(ctx, "fCE", first, candidate, layout)
        if not result.ok:
            if result.error is not None and result.error.kind in ("missing", "budget", "timeout"):
                return call_failed(result, signature=network.FUNCTIONS["fCE"])
            if result.error is not None and result.error.exc_type == "NotImplementedError":
                return call_failed(result)
            best_fail = best_fail or result
            continue
        value, tupled = adapt.scalar(result.value)
        if value is not None and np.isclose(value, want, rtol=network.RTOL):
            orientation = candidate
            break
        if orientation is None and value is not None and np.isfinite(value):
            ctx.shared.setdefault("orientation_guess", candidate)
    else:
        orientation = ctx.shared.get("orientation_guess")
        if orientation is None:
            return call_failed(best_fail, signature=network.FUNCTIONS["fCE"]) if best_fail is not None else \
                Outcome(0.0, "fCE did not return a number in any data orientation (examples as columns or rows)")
    ctx.shared["orientation"] = orientation
    if orientation != "columns":
        ctx.note(f"Your functions take the data with {'examples as rows' if orientation == 'rows' else orientation} "
                 "(the stub has examples as columns: X (784, n), Y (10, n)); the grader passed it that way "
                 "throughout.")
    right, failures = 0, []
    for i, inst in enumerate(cases):
        result = network.call_loss(ctx, "fCE", inst, orientation, layout)
        if not result.ok:
            failures.append(f"n = {inst.n}: {call_failed(result).output}")
            continue
        value, tupled_here = adapt.scalar(result.value)
        tupled = tupled or tupled_here
        want = solution.fCE(inst.X, inst.Y, inst.w)
        if value is None:
            failures.append(f"n = {inst.n}: returned {type(result.value).__name__}, not a number")
        elif np.isclose(value, want, rtol=network.RTOL):
            right += 1
        elif (zeroed := _default_regulariser(ctx, "fCE", inst, orientation, layout, want)) is not None:
            right += network.PARTIAL
            failures.append(f"n = {inst.n}: got {value:.6g}, expected {want:.6g}: fCE includes a regularisation "
                            f"term by default ({zeroed} defaults to non-zero; correct with {zeroed}=0): fCE(X, Y, w) "
                            "must return the unregularised cross-entropy")
        else:
            failures.append(f"n = {inst.n}: {_loss_mistake(value, inst, want)}")
    if tupled:
        ctx.note("fCE returns a tuple; the grader used its first item as the loss (the stub returns the number).")
    adapted = tupled or orientation != "columns" or not layout.canonical
    fraction = network.adaptation(ctx, right / len(cases), adapted)
    if not failures:
        return Outcome(fraction, f"fCE matches the reference on {len(cases)} random networks (n = "
                                 f"{', '.join(str(c.n) for c in cases)})")
    hint = "fCE = -(1/n) sum_i sum_k Y[k, i] log yhat[k, i], with a softmax per example (column)"
    if any("regularisation term by default" in f for f in failures):
        hint = "leave regularisation out of fCE (or default it to 0): fCE is the unregularised cross-entropy"
    return Outcome(fraction, f"fCE: {right:g} of {len(cases)} random networks correct. " + "; ".join(failures[:3]),
                   hint=hint)

def _default_regulariser(ctx: CheckContext, function: str, inst: network.Instance, orientation: str, layout: Any,
                         want: float) -> str | None:
    """The name of a regularisation parameter with a non-zero default that,
    set to 0, makes the loss right; None if there is none or it does not."""
    params = ctx.imported.functions.get(function) or []
    names = [p["name"] for p in params[3:] if p["default"] and adapt.role(p["name"]) == "alpha"]
    if not names:
        return None
    extra, _ = network.extra_values(ctx, function)
    X, Y = adapt.orient(inst.X, inst.Y, orientation)
    again = ctx.session.call(function, X, Y, layout.pack(inst.blocks), **extra, **{n: 0.0 for n in names})
    value = adapt.scalar(again.value)[0] if again.ok else None
    return names[0] if value is not None and np.isclose(value, want, rtol=network.RTOL) else None

def _loss_mistake(value: float, inst: network.Instance, want: float) -> str:
    text = f"got {value:.6g}, expected {want:.6g}"
    if not np.isfinite(value):
        return text + " (not finite: an overflow in exp or log(0)?)"
    if np.isclose(value, want * inst.n, rtol=network.RTOL):
        return text + ": n times too large, the loss must be averaged over the examples, not summed"
    W1, b1, W2, b2 = inst.blocks
    z2 = W2 @ np.maximum(W1 @ inst.X + b1[:, None], 0) + b2[:, None]
    glob = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    if np.isclose(value, -np.sum(inst.Y * np.log(glob)) / inst.n, rtol=network.RTOL):
        return text + ": the softmax is normalised over the whole matrix instead of per example (column)"
    return text
