"""Visible checks of hw2_softmax's functions: compute_gradient at the
handout's example and against finite differences of the student's own loss
(P1), softmax's defining properties on batches and at logits near +-1000,
cross_entropy_loss at the example, compute_accuracy (P2). None needs the
reference: the example's answers are published, the rest are properties."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from grader.checks import coerce
from grader.checks.diagnostics import call_failed
from grader.checks.finite_diff import agree, float_eps
from grader.checks.numeric import as_array
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome

from . import evaluation
from .evaluation import Problem
from .judging import GRADIENT_HINT, HINTS, PARTIAL, Verdict, judge_db, judge_dW, judge_loss
from .student import EXAMPLE_ALPHA, SIGNATURES, Hw2Submission, read_pair


def labels_penalty(state: Hw2Submission, verdicts: list[Verdict]) -> tuple[float, list[Verdict]]:
    """Answers right only with labels as class numbers earn PARTIAL, named."""
    credit = sum(v.credit for v in verdicts) / len(verdicts)
    if state.conventions.index_labels and credit > 0:
        named = Verdict(0.0, f"your functions take {state.conventions.describe()}", "index-labels")
        return credit * PARTIAL, verdicts + [named]
    return credit, verdicts


def outcome_of(state: Hw2Submission, verdicts: list[Verdict], success: str, *, what: str) -> Outcome:
    """One item's outcome from its parts' verdicts: credit, the wrong parts,
    the first named mistake's hint, conventions noted."""
    credit, verdicts = labels_penalty(state, verdicts)
    for verdict in verdicts:
        if verdict.note:
            state.ctx.note(verdict.note)
    wrong = [v for v in verdicts if v.credit < 1]
    mistakes = tuple(dict.fromkeys(v.mistake for v in wrong if v.mistake))
    adapted = state.adaptations()
    if not wrong:
        return Outcome(1.0, success).with_adaptations(*adapted)
    hint = next((HINTS[m] for m in mistakes if m in HINTS), GRADIENT_HINT if "gradient" in what else None)
    return Outcome(credit, f"{what}: " + "; ".join(v.message for v in wrong[:4]), hint=hint,
                   mistakes=mistakes).with_adaptations(*adapted)


def gradient_verdicts(state: Hw2Submission, problem: Problem, alpha: float, want: tuple[np.ndarray, np.ndarray],
                      label: str) -> list[Verdict] | Outcome:
    result = state.call("compute_gradient", problem, alpha=alpha)
    if result is None:
        return [Verdict(0.0, f"{label}: compute_gradient has no alpha parameter, so its regularised gradient "
                             "cannot be checked", "no-alpha")] * 2
    if not result.ok:
        return call_failed(result, signature=SIGNATURES["compute_gradient"])
    pair = read_pair(result.value)
    if pair is None:
        return [Verdict(0.0, f"{label}: compute_gradient returned {coerce.describe(result.value)}, not the pair "
                             "(dW, db)")] * 2
    dW = state.weights_back(pair[0])
    return [Verdict(v.credit, f"{label}: {v.message}", v.mistake, v.note)
            for v in (judge_dW(dW, want[0], problem, alpha, state.l2_factor), judge_db(pair[1], want[1], problem, alpha))]


@check
def gradient_example(ctx: CheckContext) -> Outcome:
    """1.1: compute_gradient at the example, without and with alpha."""
    state: Hw2Submission = ctx.state
    if (unusable := state.unusable("compute_gradient")) is not None:
        return unusable
    example = state.example
    verdicts: list[Verdict] = []
    for alpha, want in ((0.0, (example.dW, example.db)), (EXAMPLE_ALPHA, (example.dW_alpha, example.db_alpha))):
        found = gradient_verdicts(state, example.problem, alpha, want, f"alpha = {alpha:g}")
        if isinstance(found, Outcome):
            return found
        verdicts += found
    return outcome_of(state, verdicts, "dW and db match the example's answers, with and without alpha",
                      what="compute_gradient at the example")


def _loss_at(state: Hw2Submission, problem: Problem, alpha: float) -> Any:
    def loss(w: np.ndarray) -> tuple[float | None, float]:
        d, k = problem.W.shape
        at = Problem(w[:d * k].reshape(d, k), w[d * k:], problem.X, problem.Y)
        result = state.call("cross_entropy_loss", at, alpha=alpha)
        if result is None or not result.ok:
            return None, float_eps(None)
        return coerce.scalar(result.value)[0], float_eps(result.value)

    return loss


@check
def gradient_finite_differences(ctx: CheckContext) -> Outcome:
    """1.2: compute_gradient against central differences of the student's own
    cross_entropy_loss, on the example and a public random batch, with and
    without alpha: right or wrong, the two must agree."""
    state: Hw2Submission = ctx.state
    for function in ("compute_gradient", "cross_entropy_loss"):
        if (unusable := state.unusable(function)) is not None:
            return unusable
    first = state.call("cross_entropy_loss", state.example.problem)
    if first is not None and not first.ok:
        outcome = call_failed(first, signature=SIGNATURES["cross_entropy_loss"])
        return replace(outcome, output=f"{outcome.output}: compute_gradient cannot be checked against your loss")
    rng = ctx.public_rng("1.2")
    problems = [("the example", state.example.problem), ("a random batch of 20", evaluation.random_problem(rng, 20))]
    alphas = [0.0, EXAMPLE_ALPHA] if state.plan("cross_entropy_loss").alpha and state.plan("compute_gradient").alpha \
        else [0.0]
    agreeing, total, lines = 0, 0, []
    for label, problem in problems:
        for alpha in alphas:
            result = state.call("compute_gradient", problem, alpha=alpha)
            assert result is not None
            if not result.ok:
                return call_failed(result, signature=SIGNATURES["compute_gradient"])
            pair = read_pair(result.value)
            dW = state.weights_back(pair[0]) if pair is not None else None
            if pair is None or dW is None or dW.size != problem.W.size or pair[1].size != problem.b.size:
                return Outcome(0.0, "compute_gradient did not return (dW, db) shaped like (W, b)")
            w = np.concatenate([problem.W.ravel(), problem.b])
            gradient = np.concatenate([dW.reshape(problem.W.shape).ravel(), pair[1].ravel()])
            blocks = [("dW", np.arange(problem.W.size)), ("db", np.arange(problem.W.size, w.size))]
            found = agree(_loss_at(state, problem, alpha), w, gradient, blocks, rng, eps=1e-5)
            if found is None:
                return Outcome(0.0, "cross_entropy_loss did not return a number, so compute_gradient cannot be "
                                    "checked against it")
            for block in found:
                total += 1
                agreeing += block.agrees
                if not block.agrees:
                    lines.append(f"{label}, alpha = {alpha:g}: {block.describe('compute_gradient')}")
    if agreeing == total:
        return Outcome(1.0, f"compute_gradient agrees with central differences of your cross_entropy_loss "
                            f"({total} checks: dW and db, {'with and without alpha' if len(alphas) > 1 else 'alpha = 0'})")
    return Outcome(agreeing / total, f"{total - agreeing} of {total} checks disagree with finite differences of your "
                                     f"own loss: " + "; ".join(lines[:3]),
                   hint="the gradient must be the derivative of the loss you compute: check the 1/n and the alpha "
                        "terms of both", mistakes=("inconsistent",))


# -- softmax --------------------------------------------------------------------------
def _softmax_verdict(z: np.ndarray, got: Any) -> Verdict:
    """Whether ``got`` is softmax(z) row by row, from its defining properties:
    positive, rows summing to 1, log p_ij - log p_il = z_ij - z_il."""
    array, problem = as_array(got)
    if array is None:
        return Verdict(0.0, f"softmax {problem}")
    if array.shape != z.shape:
        if array.shape == z.shape[::-1]:
            return Verdict(0.0, f"returned shape {array.shape} for logits {z.shape}: one row per example, not per "
                                "class", "transposed")
        return Verdict(0.0, f"returned shape {array.shape} for logits of shape {z.shape}")
    if not np.all(np.isfinite(array)):
        return Verdict(0.0, f"returned NaN or inf for logits up to {float(np.abs(z).max()):.0f}: exp overflowed",
                       "nan")
    with np.errstate(all="ignore"):
        if np.allclose(array.sum(axis=1), 1, atol=1e-8) and np.all(array > 0):
            logs = np.log(array)
            if np.allclose(logs - logs[:, :1], z - z[:, :1], rtol=1e-6, atol=1e-6):
                return Verdict(1.0, "softmax")
            return Verdict(0.0, "rows sum to 1, but the probabilities are not exp(z) normalised (not a softmax)")
        if len(z) > 1 and np.allclose(array.sum(axis=0), 1, atol=1e-8):
            return Verdict(0.0, "each column sums to 1: normalised over the examples (axis 0) instead of over "
                                "the classes of each example (axis 1)", "axis")
        if len(z) > 1 and np.isclose(array.sum(), 1, atol=1e-8):
            return Verdict(0.0, "the whole matrix sums to 1: normalise each row (example) on its own", "whole-matrix")
    return Verdict(0.0, "rows do not sum to 1")


def _softmax_item(ctx: CheckContext, cases: list[tuple[str, np.ndarray]], success: str) -> Outcome:
    right, failures, mistakes = 0, [], []
    for label, z in cases:
        result = ctx.session.call("softmax", z)
        if not result.ok:
            return call_failed(result, signature=SIGNATURES["softmax"])
        verdict = _softmax_verdict(z, result.value)
        right += verdict.credit == 1
        if verdict.credit < 1:
            failures.append(f"{label}: {verdict.message}")
            mistakes += [verdict.mistake] if verdict.mistake else []
    if right == len(cases):
        return Outcome(1.0, success)
    named = tuple(dict.fromkeys(mistakes))
    return Outcome(right / len(cases), "softmax: " + "; ".join(failures[:3]), mistakes=named,
                   hint=HINTS["nan"] if "nan" in named else "softmax(z)_ij = exp(z_ij) / sum_l exp(z_il), for each row i")


@check
def softmax_batches(ctx: CheckContext) -> Outcome:
    """2.1: softmax on the example's logits and on public random batches."""
    state: Hw2Submission = ctx.state
    rng = ctx.public_rng("2.1")
    cases = [("the example's logits", state.example.logits)] + \
            [(f"a batch of {n}", rng.normal(0, 3, (n, 10))) for n in (1, 7, 100)]
    return _softmax_item(ctx, cases, "softmax: probabilities per row on the example and batches of 1, 7 and 100")


@check
def softmax_stable(ctx: CheckContext) -> Outcome:
    """2.2: logits near +1000 and -1000 (where exp overflows or underflows)."""
    rng = ctx.public_rng("2.2")
    cases = [("logits near +1000", 1000 + rng.normal(0, 2, (4, 10))),
             ("logits near -1000", -1000 + rng.normal(0, 2, (4, 10)))]
    return _softmax_item(ctx, cases, "softmax is stable for logits near +1000 and -1000")


# -- the loss and accuracy ------------------------------------------------------------------
def loss_alphas(state: Hw2Submission, alphas: tuple[float, ...]) -> tuple[float, ...]:
    """The strengths the loss is checked at: without an alpha parameter (the
    starter code's unregularised loss), only alpha = 0, said once."""
    if state.plan("cross_entropy_loss").alpha:
        return alphas
    state.ctx.note("Your cross_entropy_loss takes no alpha (the starter code's unregularised loss), so it was "
                   "checked without regularisation; compute_gradient must still take alpha.")
    return tuple(alpha for alpha in alphas if not alpha)


@check
def loss_example(ctx: CheckContext) -> Outcome:
    """2.3: cross_entropy_loss at the example, without and with alpha."""
    state: Hw2Submission = ctx.state
    if (unusable := state.unusable("cross_entropy_loss")) is not None:
        return unusable
    example = state.example
    verdicts = []
    wanted = {0.0: example.loss, EXAMPLE_ALPHA: example.loss_alpha}
    for alpha in loss_alphas(state, (0.0, EXAMPLE_ALPHA)):
        want = wanted[alpha]
        result = state.call("cross_entropy_loss", example.problem, alpha=alpha)
        assert result is not None
        if not result.ok:
            return call_failed(result, signature=SIGNATURES["cross_entropy_loss"])
        found = judge_loss(coerce.scalar(result.value)[0], want, example.loss, example.problem, alpha,
                           state.l2_factor, gradient_doubles=state.gradient_doubles)
        verdicts.append(Verdict(found.credit, f"alpha = {alpha:g}: {found.message}", found.mistake, found.note))
    return outcome_of(state, verdicts, "cross_entropy_loss matches the example's answers" +
                      (", with and without alpha" if len(verdicts) > 1 else " (alpha = 0)"),
                      what="cross_entropy_loss at the example")


@check
def accuracy(ctx: CheckContext) -> Outcome:
    """2.5: compute_accuracy at the example and on public random batches,
    against the grader's own count of right predictions."""
    state: Hw2Submission = ctx.state
    if (unusable := state.unusable("compute_accuracy")) is not None:
        return unusable
    rng = ctx.public_rng("2.5")
    cases = [("the example", state.example.problem, state.example.accuracy)]
    for n in (10, 50, 200):
        found = evaluation.random_problem(rng, n)
        trained = Problem(found.W * 40, found.b, found.X, found.Y)  # a model that gets some right
        cases.append((f"a batch of {n}", trained, evaluation.accuracy(trained.W, trained.b, trained.X, trained.Y)))
    verdicts = []
    for label, problem, want in cases:
        result = state.call("compute_accuracy", problem)
        assert result is not None
        if not result.ok:
            return call_failed(result, signature=SIGNATURES["compute_accuracy"])
        got, _ = coerce.scalar(result.value)
        if got is not None and np.isclose(got, want):
            verdicts.append(Verdict(1.0, label))
        elif got is not None and np.isclose(got, 100 * want):
            verdicts.append(Verdict(PARTIAL, f"{label}: {got:g} is a percentage; the accuracy is a fraction in "
                                             f"[0, 1] ({want:g})", "percentage"))
        elif got is not None and np.isclose(got, 1 - want):
            verdicts.append(Verdict(0.0, f"{label}: {got:g} is the error rate, not the accuracy {want:g}",
                                    "error-rate"))
        else:
            verdicts.append(Verdict(0.0, f"{label}: got {got if got is not None else coerce.describe(result.value)}, "
                                         f"expected {want:g}"))
    return outcome_of(state, verdicts, f"compute_accuracy right on the example and {len(cases) - 1} random batches",
                      what="compute_accuracy")
