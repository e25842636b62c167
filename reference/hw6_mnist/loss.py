"""a.2: fCE against the reference on hidden random networks, naming the usual
mistakes (a default regulariser, a softmax over the whole matrix, a sum
instead of a mean)."""

from __future__ import annotations

import numpy as np

from grader.checks import coerce
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome

from . import evaluation, solution
from .calls import Zeroing
from .evaluation import Instance
from .student import RTOL, Hw6Submission, failed

BATCH_SIZES = (7, 13, 23, 31)


def instances(ctx: CheckContext) -> list[Instance]:
    """Random networks (the submission's hidden size) and data, one per batch size, drawn with the hidden seed."""
    rng = ctx.hidden_rng("a.instances")
    hidden = ctx.state.hidden
    return [evaluation.random_instance(rng, hidden, n + 1 if n == hidden else n) for n in BATCH_SIZES]


PARTIAL = 0.5
"""Credit for a loss whose only fault is a regulariser on by default."""


@check
def fce(ctx: CheckContext) -> Outcome:
    submission: Hw6Submission = ctx.state
    problem = submission.required_problem("fCE")
    if problem is not None:
        return problem
    found = submission.orientation
    if found.via != "fCE":  # fCE gave no finite number in any orientation
        if found.first_failure is not None:
            return failed(found.first_failure, "fCE")
        return Outcome(0.0, "fCE did not return a number in any data orientation (examples as columns or rows)")
    right, failures, regularised = 0.0, [], False
    position: int | None = None
    for inst in ctx.fact(instances):
        result = submission.call_loss("fCE", inst)
        if not result.ok:
            failures.append(f"n = {inst.n}: {failed(result, 'fCE').output}")
            continue
        value, where = coerce.scalar_item(result.value)
        position = where if where is not None else position
        want = solution.fCE(inst.X, inst.Y, solution.pack(*inst.blocks))
        if value is None:
            failures.append(f"n = {inst.n}: returned {type(result.value).__name__}, not a number")
        elif np.isclose(value, want, rtol=RTOL):
            right += 1
        elif (zeroed := _default_regulariser(submission, inst, want)) is not None:
            right += PARTIAL
            regularised = True
            failures.append(f"n = {inst.n}: got {value:.6g}, expected {want:.6g}: fCE includes a regularisation "
                            f"term {zeroed.how} ({zeroed.why('fCE')}): fCE(X, Y, w) must return the "
                            "unregularised cross-entropy")
            if (note := zeroed.note("fCE")) is not None:
                ctx.note(note)
        else:
            failures.append(f"n = {inst.n}: {_loss_mistake(value, inst, want)}")
    tupled = position is not None
    if tupled:
        ctx.note(f"fCE returns a tuple; the grader used its {_ordinal(position)} item as the loss (the stub returns "
                 "the number).")
    cases = ctx.fact(instances)
    outcome_fraction = right / len(cases)
    adapted = ("fCE returns a tuple" if tupled else "", submission.adapted_orientation or "", submission.adapted_layout or "")
    if not failures:
        return Outcome(outcome_fraction, f"fCE matches the reference on {len(cases)} random networks (n = "
                                         f"{', '.join(str(c.n) for c in cases)})").with_adaptations(*adapted)
    hint = "fCE = -(1/n) sum_i sum_k Y[k, i] log yhat[k, i], with a softmax per example (column)"
    if regularised:
        hint = "leave regularisation out of fCE (or default it to 0): fCE is the unregularised cross-entropy"
    return Outcome(outcome_fraction, f"fCE: {right:g} of {len(cases)} random networks correct. " +
                   "; ".join(failures[:3]), hint=hint,
                   mistakes=("default-regularised",) if regularised else ()).with_adaptations(*adapted)


def _default_regulariser(submission: Hw6Submission, inst: Instance, want: float) -> Zeroing | None:
    """The parameters with a non-zero default (not data) and the numeric
    globals fCE reads that, set to 0, make the loss right (all at once, else
    one alone); None if there are none or they do not."""
    for zeroing in submission.plan("fCE").zeroings():
        again = submission.call_loss("fCE", inst, with_globals=zeroing.with_globals, **zeroing.overrides)
        if not again.ok:
            continue
        value = coerce.scalar(again.value)[0]
        if value is not None and np.isclose(value, want, RTOL):  # rtol
            return zeroing
    return None


def _loss_mistake(value: float, inst: Instance, want: float) -> str:
    text = f"got {value:.6g}, expected {want:.6g}"
    if not np.isfinite(value):
        return text + " (not finite: an overflow in exp or log(0)?)"
    if np.isclose(value, want * inst.n, rtol=RTOL):
        return text + ": n times too large, the loss must be averaged over the examples, not summed"
    W1, b1, W2, b2 = inst.blocks
    z2 = W2 @ np.maximum(W1 @ inst.X + b1[:, None], 0) + b2[:, None]
    glob = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    if np.isclose(value, -np.sum(inst.Y * np.log(glob)) / inst.n, rtol=RTOL):
        return text + ": the softmax is normalised over the whole matrix instead of per example (column)"
    return text


def _ordinal(position: int | None) -> str:
    number = (position or 0) + 1
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}.get(number, f"item {number}'s")
