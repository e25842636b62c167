"""a.3-a.6: gradCE block by block against the reference on hidden random
networks. A wrong block is compared with the gradients the usual mistakes
produce, so the feedback names the mistake in course terms."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from grader.checks.blocks import PARTIAL, BlockVerdict, judge_block
from grader.context import CheckContext
from grader.rubric import Outcome

from . import solution
from .evaluation import Instance
from .calls import Zeroing
from .layout import BLOCKS, Blocks
from .loss import instances
from .student import RTOL, STATE_CREDIT, Gradient, Hw6Submission, failed, largest_error

STATE_MESSAGE = ("gradCE is only right when fCE has just run on the same data: it reads values fCE left in "
                 "globals. Compute z1, h1 and yhat inside gradCE")
HINTS = {
    "summed": "divide by the number of examples n in every gradient block",
    "regularised": "leave regularisation to train: gradCE returns the gradient of fCE only",
    "bias-regularised": "regularise the weights only: grad_W += alpha W, the biases get no term",
    "transposed": "pack the gradient exactly as pack packs w: the gradient of W1 has W1's shape",
    "state": "compute z1, h1 and yhat inside gradCE (call your forward pass there): gradCE(X, Y, w) must not "
             "depend on what fCE ran before",
    "nan": "the gradient has NaN/inf: shift the logits by their max before exp in the softmax",
    "default-regularised": "default gradCE's regularisation parameters to 0 (or drop them): train adds alpha * W",
}
COURSE_HINT = ("g^T = ((yhat - y)^T W2) * relu'(z1^T); grad_W1 = g x^T, grad_W2 = (yhat - y) h1^T, averaged over "
               "the batch")


def _variants(inst: Instance) -> dict[tuple[str, str], Blocks]:
    """Gradients the usual mistakes produce (canonical blocks, averaged), by
    (tag, what the mistake is in course terms)."""
    W1, b1, W2, b2 = inst.blocks
    X, Y, n = inst.X, inst.Y, inst.n
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]

    def grads(yhat: np.ndarray, dmask: np.ndarray, h_for_w2: np.ndarray) -> Blocks:
        delta = (yhat - Y) / n
        g = (W2.T @ delta) * dmask
        return g @ X.T, g.sum(1), delta @ h_for_w2.T, delta.sum(1)

    yhat = solution.softmax(z2)
    glob = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    mask = (z1 > 0).astype(float)
    return {
        ("relu-sign", "relu' taken as the sign of z1 (it must be 1 where z1 > 0 and 0 elsewhere, never -1)"):
            grads(yhat, np.sign(z1), h1),
        ("relu-missing", "relu' missing (the hidden layer's gradient must be masked by relu'(z1))"):
            grads(yhat, np.ones_like(z1), h1),
        ("relu-inplace", "relu' computed in place: it overwrote the activations h1, so dW2 used relu'(z1) instead "
                         "of h1"): grads(yhat, mask, mask),
        ("global-softmax", "the softmax is normalised over the whole matrix instead of per example (column)"):
            grads(glob, mask, h1),
    }


def _matches(found: Gradient | None, want: Blocks) -> bool:
    return found is not None and found.blocks is not None and all(
        np.allclose(b, t, rtol=RTOL, atol=1e-9) for b, t in zip(found.blocks, want))


def gradient_verdicts(ctx: CheckContext) -> Outcome | list[list[BlockVerdict]]:
    """Per block (W1, b1, W2, b2), one verdict per hidden instance."""
    submission: Hw6Submission = ctx.state
    problem = submission.required_problem("gradCE")
    if problem is not None:
        return problem
    layout = submission.layout
    verdicts: list[list[BlockVerdict]] = [[] for _ in BLOCKS]
    notes = set()
    for inst in ctx.fact(instances):
        want = solution.unpack(solution.gradCE(inst.X, inst.Y, solution.pack(*inst.blocks)))
        result = submission.call_loss("gradCE", inst)
        if not result.ok:
            outcome = failed(result, "gradCE")
            assert result.error is not None
            if result.error.kind in ("missing", "budget") or result.error.unimplemented:
                return outcome
            row = _state_row(submission, inst, want) or [BlockVerdict(0.0, outcome.output, "error")] * 4
        else:
            blocks, raw, note = submission.read_gradient(result.value)
            if note:
                notes.add(note)
            if blocks is None or raw is None:
                row = [BlockVerdict(0.0, f"gradCE returned {type(result.value).__name__} that is not a vector of "
                                         f"length {layout.size} like w")] * 4
            else:
                row = _judge(blocks, raw, inst, want, layout)
                if all(v.credit < 1 for v in row):
                    row = _state_row(submission, inst, want, row) or row
                if any(v.mistake == "regularised" for v in row) or (
                        submission.plan("gradCE").hides_regulariser and
                        any(v.credit < 1 and v.mistake is None for v in row)):
                    row = _confirm_zero_regularisation(submission, inst, want, row, blocks)
        for k in range(4):
            verdicts[k].append(row[k])
    for note in sorted(notes):
        submission.ctx.note(f"gradCE {note}.")
    return verdicts


def _judge(blocks: Blocks, raw: np.ndarray, inst: Instance, want: Blocks, layout: Any) -> list[BlockVerdict]:
    variants = _variants(inst)
    return [replace(judge_block("d" + BLOCKS[k], k, blocks[k], want[k], n=inst.n, rtol=RTOL,
                                atol=1e-6 * max(1e-12, float(np.abs(want[k]).max())), variants=variants,
                                raw=raw[np.sort(layout.index[k].ravel())] if k in (0, 2) else None,
                                param=inst.blocks[k], bias=k in (1, 3), function="gradCE"),
                    error=largest_error(blocks[k], want[k])) for k in range(4)]


def _state_row(submission: Hw6Submission, inst: Instance, want: Blocks,
               first: list[BlockVerdict] | None = None) -> list[BlockVerdict] | None:
    """A gradCE that only answers (or is only right) right after fCE ran on the
    same data keeps state in globals: its math is graded on that call, and
    each block keeps STATE_CREDIT of what it earns. A gradCE that answers the
    same either way (``first``, the plain call's verdicts) keeps no submission."""
    after = submission.after_fce(inst)
    if after is None or after.blocks is None or after.raw is None:
        return None
    row = _judge(after.blocks, after.raw, inst, want, submission.layout)
    if not any(v.credit > 0 for v in row):
        return None
    if first is not None and sum(v.credit for v in row) <= sum(v.credit for v in first):
        return None
    return [BlockVerdict(v.credit * STATE_CREDIT, f"{STATE_MESSAGE} (called right after fCE: {v.message})", "state",
                         also=v.mistakes) for v in row]


def _confirm_zero_regularisation(submission: Hw6Submission, inst: Instance, want: Blocks,
                                 row: list[BlockVerdict], first: Blocks) -> list[BlockVerdict]:
    """A regularisation term in gradCE: with the parameters whose defaults are
    not zero, and the numeric globals it reads, set to 0, the blocks are graded again. A block right then keeps
    PARTIAL (the mistake is the default); one wrong in another way keeps
    PARTIAL of that verdict's credit. The message says which default to zero.
    A block wrong in no recognised way is graded again too when zeroing the
    defaults changes it: a summed gradient under an L1 default is both."""
    plain = [BlockVerdict(v.credit, v.message + " (regularisation applied inside gradCE: gradCE must return "
                                                 "the unregularised gradient; train adds alpha * W)", v.mistake,
                          v.also) if v.mistake == "regularised" else v for v in row]
    found = _zeroed(submission, inst, want, row)
    if found is None:
        return plain if any(v.mistake == "regularised" for v in row) else row
    zeroing, blocks, zeroed = found
    if (note := zeroing.note("gradCE")) is not None:
        submission.ctx.note(note)
    said = (f" {zeroing.how} ({zeroing.why('gradCE')}): L1/L2 regularisation on {zeroing.how}, and gradCE(X, Y, w) "
            "must return the unregularised gradient")
    verdicts = []
    for k, (before, after) in enumerate(zip(row, zeroed)):
        changed = not np.allclose(first[k], blocks[k], rtol=1e-12, atol=0.0)
        if before.mistake not in ("regularised", "bias-regularised") and not (
                before.credit < 1 and before.mistake is None and changed):
            verdicts.append(before)
        elif after.credit >= 1:
            verdicts.append(BlockVerdict(min(before.credit, PARTIAL), before.message + said, "default-regularised"))
        else:  # another mistake under the regularisation: both cost
            addendum = f"; and a regularisation term is on{said}"
            verdicts.append(BlockVerdict(after.credit * PARTIAL, after.message + addendum, after.mistake,
                                         ("default-regularised",), addendum))
    return verdicts


def _zeroed(submission: Hw6Submission, inst: Instance, want: Blocks,
            row: list[BlockVerdict]) -> tuple[Zeroing, Blocks, list[BlockVerdict]] | None:
    """gradCE with its hidden regularisers set to 0 (all at once, else the
    first single one that makes a wrong block right), its blocks and verdicts."""
    first = None
    for zeroing in submission.plan("gradCE").zeroings():
        again = submission.call_loss("gradCE", inst, with_globals=zeroing.with_globals, **zeroing.overrides)
        blocks, raw, _ = submission.read_gradient(again.value) if again.ok else (None, None, None)
        if blocks is None or raw is None:
            continue
        found = (zeroing, blocks, _judge(blocks, raw, inst, want, submission.layout))
        if any(after.credit >= 1 > before.credit for before, after in zip(row, found[2])):
            return found
        first = first or found
    return first


def _summary_message(verdicts: list[list[BlockVerdict]]) -> str | None:
    """Course-terms message for a mistake seen across blocks."""
    mistakes = [{v.mistake for v in block} for block in verdicts]
    if "summed" in mistakes[0] and "summed" in mistakes[2] and mistakes[1] == {None} and mistakes[3] == {None} \
            and all(v.credit == 1 for v in verdicts[1] + verdicts[3]):
        return "dW1 and dW2 are n times too large: the batch gradient must be averaged, as b1 and b2 already are"
    if all("summed" in m for m in mistakes):
        return "every block is n times too large: the batch gradient must be averaged over the n examples"
    return None


def grade_block(ctx: CheckContext, k: int) -> Outcome:
    submission: Hw6Submission = ctx.state
    verdicts = ctx.fact(gradient_verdicts)
    if isinstance(verdicts, Outcome):
        return verdicts
    mine = verdicts[k]
    credit = sum(v.credit for v in mine) / len(mine)
    name = "d" + BLOCKS[k]
    errors = [v.error for v in mine if v.error is not None]
    ctx.figures.setdefault("gradients", {})[name] = {
        "credit": credit, "networks": len(mine), "right": sum(v.credit >= 1 for v in mine),
        "mistakes": list(dict.fromkeys(m for v in mine for m in v.mistakes if m != "error")),
        "largest_error": max(errors) if errors else None}
    adapted = (submission.adapted_layout or "", submission.adapted_orientation or "")
    if credit >= 1:
        return Outcome(1.0, f"{name} matches the reference on {len(mine)} random networks (reference verified "
                            "against finite differences)").with_adaptations(*adapted)
    wrong = [v for v in mine if v.credit < 1]
    summary = _summary_message(verdicts)
    text = summary + wrong[0].addendum if summary and any(v.mistake == "summed" for v in wrong) else wrong[0].message
    hint = HINTS.get(wrong[0].mistake or "", COURSE_HINT)
    mistakes = tuple(dict.fromkeys(m for v in wrong for m in v.mistakes if m != "error"))
    return Outcome(credit, f"{name}: {len(mine) - len(wrong)} of {len(mine)} random networks correct. {text}",
                   hint=hint, mistakes=mistakes).with_adaptations(*adapted)
