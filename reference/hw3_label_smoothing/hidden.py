"""Hidden checks of hw3_label_smoothing: the gradients (block by block) and
one update step on random networks drawn with the hidden seed, against the
reference solution, so answers that only fit the example earn only the
example's share. Among the networks: some with hidden units at exactly h = 0
(ReLU'(0) = 0 decides their gradient) and one with logits near 1000 (an
unshifted softmax overflows there)."""

from __future__ import annotations

from functools import cached_property
from typing import Callable

import numpy as np

from grader.checks.cases import run_case, run_cases, stops_grading
from grader.checks.diagnostics import call_failed
from grader.context import CheckContext
from grader.plugin import Hidden
from grader.rubric import Outcome

from . import mistakes, solution
from .checks import Hw3Submission
from .judging import HINTS, Grads, Mark, gradient_case, gradient_marks, update_case
from .network import LARGE_LOGIT, PARAMETERS, Instance, kinked_instance, random_instance

SIGNATURE = "gradients(x, y, W1, b1, W2, b2, epsilon) -> (dW1, db1, dW2, db2)"


def _telling(inst: Instance) -> bool:
    """At least two hidden units pass gradient back (else dW1 and db1 are 0
    whatever the labels), and where some h is 0, ReLU'(0) = 1 changes db1."""
    h = solution.forward(inst.x, *inst.params)[0]
    relu_one = mistakes.variants(inst)["relu-prime-at-zero"][1]
    return int(np.sum(h > 0)) >= 2 and (not np.any(h == 0) or
                                         not np.allclose(relu_one, reference_gradients(inst)[1]))


def networks(rng: np.random.Generator, plain: int, zeros: tuple[int, ...]) -> list[Instance]:
    """``plain`` Gaussian networks of random sizes, one kinked network per entry
    of ``zeros`` (that many h exactly 0), and one with logits near 1000."""
    def draw(make: Callable[[int, int, int], Instance]) -> Instance:
        for _ in range(100):
            inst = make(int(rng.integers(2, 7)), int(rng.integers(3, 9)), int(rng.integers(2, 7)))
            if _telling(inst):
                return inst
        raise AssertionError("no telling network in 100 draws")

    found = [draw(lambda d, n, q: random_instance(rng, d, n, q)) for _ in range(plain)]
    found += [draw(lambda d, n, q, count=count: kinked_instance(rng, d, n, q, zeros=count)) for count in zeros]
    return found + [draw(lambda d, n, q: random_instance(rng, d, n, q, logit_shift=LARGE_LOGIT))]


def reference_gradients(inst: Instance) -> Grads:
    return solution.gradients(inst.x, inst.y, *inst.params, inst.epsilon)


class HiddenSubmission(Hw3Submission):
    """The public state plus the hidden networks and the gradients' verdicts on
    them, computed once for the four items that grade one block each."""

    @cached_property
    def gradient_networks(self) -> list[Instance]:
        return networks(self.ctx.hidden_rng("gradients"), 4, (1, 2))

    @cached_property
    def gradient_rows(self) -> Outcome | list[list[Mark]]:
        """Per hidden network, the marks of dW1, db1, dW2, db2."""
        rows: list[list[Mark]] = []
        for done, inst in enumerate(self.gradient_networks):
            want, variants = reference_gradients(inst), mistakes.variants(inst)
            _, result = run_case(self.ctx, "gradients", gradient_case(inst, want, variants))
            if stops_grading(result):
                assert result.error is not None
                if done == 0 or result.error.kind == "missing":
                    return call_failed(result, signature=SIGNATURE)
                left = len(self.gradient_networks) - done
                return rows + [_failed(f"{call_failed(result).output} (not tried on the rest)")] * left
            found = gradient_marks(result.value, inst, want, variants) if result.ok else call_failed(result).output
            rows.append(_failed(found) if isinstance(found, str) else found)
        return rows


def _failed(says: str) -> list[Mark]:
    return [Mark(0.0, f"dL/d{name}", says) for name in PARAMETERS]


def _describe(found: list[Instance]) -> str:
    kinked = sum(1 for inst in found if "exactly 0" in inst.what)
    return (f"{len(found)} hidden networks with d, n, q from 2 to 8: {kinked} with some h exactly 0, "
            f"{sum(inst.large_logits for inst in found)} with logits near {LARGE_LOGIT:g}")


def _block(k: int):
    name = f"dL/d{PARAMETERS[k]}"

    def check(ctx: CheckContext) -> Outcome:
        state: HiddenSubmission = ctx.state
        rows = state.gradient_rows
        if isinstance(rows, Outcome):
            return rows
        marks = [row[k] for row in rows]
        credit = sum(mark.credit for mark in marks) / len(marks)
        if credit >= 1:
            return Outcome(1.0, f"{name} matches the reference on all {_describe(state.gradient_networks)}")
        wrong: dict[str, list[str]] = {}
        for inst, mark in zip(state.gradient_networks, marks):
            if mark.credit < 1:
                wrong.setdefault(mark.says, []).append(inst.label)
        text = "; ".join(f"{says} ({labels[0]}" + (f", and {len(labels) - 1} more)" if len(labels) > 1 else ")")
                         for says, labels in list(wrong.items())[:2])
        tags = tuple(dict.fromkeys(mark.mistake for mark in marks if mark.credit < 1 and mark.mistake))
        right = len(marks) - sum(len(labels) for labels in wrong.values())
        return Outcome(credit, f"{name} right on {right} of {len(marks)} hidden networks: {text}",
                       hint=next((HINTS[tag] for tag in tags if tag in HINTS), None), mistakes=tags)

    check.__name__ = f"gradient_d{PARAMETERS[k]}_hidden"
    return check


def update_hidden(ctx: CheckContext) -> Outcome:
    found = networks(ctx.hidden_rng("update"), 3, (1,))
    cases = [update_case(inst, reference_gradients(inst), mistakes.variants(inst)) for inst in found]
    return run_cases(ctx, "update", cases, what="hidden networks")


HIDDEN = Hidden(
    checks={**{f"gradient_d{name}_hidden": _block(k) for k, name in enumerate(PARAMETERS)},
            "update_hidden": update_hidden},
    hidden_seed="smoothing-5d82a0c7e1",
    state=HiddenSubmission,
)
