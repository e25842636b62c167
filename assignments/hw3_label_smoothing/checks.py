"""Public checks of hw3_label_smoothing: the handout's example against the
published answers (``public_checks.toml``), the handout's formulas on public
random instances, and the gradients against finite differences of the
student's own forward pass and loss. They ship with the assignment, so
students can run them; the hidden checks (random networks, against the
reference) live in ``reference/hw3_label_smoothing/hidden.py``."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from grader.checks.cases import Case, VectorLayout, Verdict, run_case, run_cases, vec
from grader.checks.diagnostics import call_failed
from grader.checks.numeric import compare
from grader.checks.parts import Part, compare_parts
from grader.context import CheckContext
from grader.plugin import Check, Plugin
from grader.rubric import Outcome

from .finite_differences import finite_differences
from .judging import HINTS, MISTAKES, OVERFLOW, PARTIAL, Grads, Mark, gradient_case, update_case, update_marks
from .network import GRADIENTS, LABEL_MISTAKES, LARGE_LOGIT, PARAMETERS, Instance, Params, activations, \
    cross_entropy, from_tables, one_hot, random_instance, smoothed

UPDATE = "update(x, y, W1, b1, W2, b2, epsilon, eta) -> (W1, b1, W2, b2)"


class Hw3Submission:
    """One submission as the checks see it: the example with its published
    answers, and the example's update call, made once for the four items that
    grade its parts (the hidden half extends it: ``hidden.HiddenSubmission``)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.answers = {key: np.asarray(value, dtype=float) for key, value in ctx.public["example"].items()}
        self.example = from_tables(ctx.public["example"])
        self.example_variants: dict[str, Grads] = {
            key: tuple(np.asarray(table[name], dtype=float) for name in GRADIENTS)  # type: ignore[misc]
            for key, table in ctx.public.get("mistakes", {}).items()}

    @property
    def example_gradients(self) -> Grads:
        return tuple(self.answers[name] for name in GRADIENTS)  # type: ignore[return-value]

    @property
    def example_after(self) -> Params:
        """The published parameters after one step."""
        return tuple(self.answers[f"{name}_after"] for name in PARAMETERS)  # type: ignore[return-value]

    @cached_property
    def example_update(self) -> Outcome | list[Mark]:
        """update at the example, judged part by part (W1, b1, W2, b2)."""
        case = update_case(self.example, self.example_gradients, self.example_variants, label="the example",
                           after=self.example_after)
        _, result = run_case(self.ctx, "update", case)
        if not result.ok:
            return call_failed(result, signature=UPDATE)
        found = update_marks(result.value, self.example, self.example_gradients, self.example_variants,
                             self.example_after)
        return Outcome(0.0, found) if isinstance(found, str) else found


# -- 1.1 smooth_labels ---------------------------------------------------------------
LABEL_CREDIT = {"hard-labels": 0.0}
"""smooth_labels returning y has smoothed nothing; the other slips earn PARTIAL."""


def _labels_case(label: str, y: np.ndarray, epsilon: float) -> Case:
    want = smoothed(y, epsilon)

    def judge(got: Any, layout: VectorLayout) -> Verdict:
        found = compare(got, want)
        if found.ok:
            return Verdict(1.0, "ok")
        for key, wrong in LABEL_MISTAKES.items():
            if compare(got, wrong(y, epsilon)).ok:
                slip = MISTAKES[key]
                return Verdict(LABEL_CREDIT.get(key, PARTIAL), slip.says, HINTS[slip.tag], mistakes=(slip.tag,))
        return Verdict(0.0, found.message, HINTS["eps-over-q-missing"],
                       mistakes=(found.mistake,) if found.mistake else ())

    return Case(label, lambda layout: (vec(y, layout), epsilon), judge)


def smooth_labels(ctx: CheckContext) -> Outcome:
    example: Instance = ctx.state.example
    rng = ctx.public_rng("1.1")
    cases = [_labels_case(f"the example (q = 3, eps = {example.epsilon:g})", example.y, example.epsilon)]
    for q in (2, 5, 10):
        eps = round(float(rng.uniform(0.05, 0.5)), 2)
        cases.append(_labels_case(f"q = {q}, eps = {eps:g}", one_hot(rng, q), eps))
    return run_cases(ctx, "smooth_labels", cases, what="label vectors")


# -- 1.2 forward, 1.3 loss ---------------------------------------------------------------
def _forward_case(label: str, inst: Instance, want: tuple[np.ndarray, ...]) -> Case:
    def judge(got: Any, layout: VectorLayout) -> Verdict:
        found = compare_parts(got, [Part(name, value) for name, value in zip(("h", "a", "z", "yhat"), want)],
                              what="forward must return the tuple (h, a, z, yhat)")
        if not found.wrong or found.problem:
            return Verdict(found.fraction, found.message() or "ok")
        if inst.large_logits and "nan" in found.mistakes:
            return Verdict(found.fraction, f"yhat {OVERFLOW}", HINTS["softmax-overflow"],
                           mistakes=("softmax-overflow",))
        return Verdict(found.fraction, found.message(), "h = W1^T x + b1, a = ReLU(h), z = W2^T a + b2, "
                                                        "yhat = softmax(z)", mistakes=found.mistakes)

    return Case(label, lambda layout: (vec(inst.x, layout), *inst.network_args(layout)), judge)


def forward_example(ctx: CheckContext) -> Outcome:
    state: Hw3Submission = ctx.state
    large = random_instance(ctx.public_rng("1.2"), 3, 4, 5, logit_shift=LARGE_LOGIT)
    return run_cases(ctx, "forward", [
        _forward_case("the example", state.example, tuple(state.answers[key] for key in ("h", "a", "z", "yhat"))),
        _forward_case(f"a network with logits near {LARGE_LOGIT:g}", large, activations(large)),
    ], what="networks")


def _loss_case(label: str, yhat: np.ndarray, ys: np.ndarray, want: float) -> Case:
    factors = {"q (a mean over the outputs instead of the sum)": float(ys.size),
               "1/ln 2 (log2 instead of ln)": 1 / math.log(2), "ln 10 (log10 instead of ln)": math.log(10)}

    def judge(got: Any, layout: VectorLayout) -> Verdict:
        found = compare(got, want, factors=factors)
        return Verdict(1.0 if found.ok else 0.0, found.message, "L = -sum_i ys_i ln(yhat_i): the natural log, "
                       "summed over the q outputs", mistakes=(found.mistake,) if found.mistake else ())

    return Case(label, lambda layout: (vec(yhat, layout), vec(ys, layout)), judge)


def loss_example(ctx: CheckContext) -> Outcome:
    state: Hw3Submission = ctx.state
    rng = ctx.public_rng("1.3")
    other = random_instance(rng, 4, 5, 6)
    yhat, ys = activations(other)[3], smoothed(other.y, other.epsilon)
    return run_cases(ctx, "loss", [
        _loss_case("the example", state.answers["yhat"], state.answers["ys"], float(state.answers["loss"])),
        _loss_case("q = 6", yhat, ys, cross_entropy(yhat, ys)),
    ], what="label vectors")


# -- 1.4 gradients at the example ----------------------------------------------------------
def gradients_example(ctx: CheckContext) -> Outcome:
    state: Hw3Submission = ctx.state
    case = gradient_case(state.example, state.example_gradients, state.example_variants, label="the example")
    return run_cases(ctx, "gradients", [case])


# -- 2.1-2.4 update at the example, one parameter each -----------------------------------------
def _update_part(k: int) -> Check:
    def check(ctx: CheckContext) -> Outcome:
        found = ctx.state.example_update
        if isinstance(found, Outcome):
            return found
        mark: Mark = found[k]
        if mark.credit >= 1:
            return Outcome(1.0, f"update: {PARAMETERS[k]} after one step matches the published answer")
        return Outcome(mark.credit, f"update at the example: {mark.message}", hint=HINTS.get(mark.mistake or ""),
                       mistakes=(mark.mistake,) if mark.mistake else ())

    check.__name__ = f"update_{PARAMETERS[k]}_example"
    return check


PLUGIN = Plugin(
    checks={"smooth_labels": smooth_labels, "forward_example": forward_example, "loss_example": loss_example,
            "gradients_example": gradients_example, "gradients_finite_differences": finite_differences,
            **{f"update_{name}_example": _update_part(k) for k, name in enumerate(PARAMETERS)}},
    state=Hw3Submission,
)
