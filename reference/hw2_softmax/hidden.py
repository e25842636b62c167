"""Hidden checks of hw2_softmax: compute_gradient's dW and db, without and
with alpha (P1), and cross_entropy_loss (P2) against the reference on random
problems drawn with the hidden seed, naming the usual mistakes."""

from __future__ import annotations

from grader.checks import coerce
from grader.checks.diagnostics import call_failed
from grader.context import CheckContext
from grader.plugin import Hidden, check, checks_in
from grader.rubric import Outcome

from . import solution
from .evaluation import Problem, random_problem
from .functions import gradient_verdicts, loss_alphas, outcome_of
from .judging import Verdict, judge_loss
from .student import SIGNATURES, Hw2Submission

SIZES = (3, 17, 64)
ALPHAS = (0.0, 0.02, 0.5)
"""The alpha of each hidden problem where it is regularised (the first is not)."""


def problems(ctx: CheckContext) -> list[Problem]:
    rng = ctx.hidden_rng("problems")
    return [random_problem(rng, n) for n in SIZES]


def plain_gradients(ctx: CheckContext) -> list[tuple[Verdict, Verdict]] | Outcome:
    return _judge_gradients(ctx, False)


def regularised_gradients(ctx: CheckContext) -> list[tuple[Verdict, Verdict]] | Outcome:
    return _judge_gradients(ctx, True)


def _judge_gradients(ctx: CheckContext, regularised: bool) -> list[tuple[Verdict, Verdict]] | Outcome:
    state: Hw2Submission = ctx.state
    if (unusable := state.unusable("compute_gradient")) is not None:
        return unusable
    found = []
    for problem, alpha in zip(ctx.fact(problems), ALPHAS if regularised else (0.0,) * len(SIZES)):
        alpha = alpha or (0.1 if regularised else 0.0)
        want = solution.compute_gradient(problem.W, problem.b, problem.X, problem.Y, alpha)
        verdicts = gradient_verdicts(state, problem, alpha, want, f"n = {problem.n}, alpha = {alpha:g}")
        if isinstance(verdicts, Outcome):
            return verdicts
        found.append((verdicts[0], verdicts[1]))
    return found


def _block(ctx: CheckContext, regularised: bool, part: int, name: str) -> Outcome:
    state: Hw2Submission = ctx.state
    found = ctx.fact(regularised_gradients if regularised else plain_gradients)
    if isinstance(found, Outcome):
        return found
    what = f"{name} on {len(found)} hidden random problems" + (" with alpha > 0" if regularised else "")
    verdicts = [pair[part] for pair in found]
    ctx.figures.setdefault("gradients", {})[name + (" (alpha > 0)" if regularised else "")] = {
        "credit": sum(v.credit for v in verdicts) / len(verdicts), "networks": len(verdicts),
        "right": sum(v.credit >= 1 for v in verdicts), "largest_error": None,
        "mistakes": list(dict.fromkeys(v.mistake for v in verdicts if v.mistake))}
    return outcome_of(state, [pair[part] for pair in found], f"{name} matches the reference on {len(found)} hidden "
                      f"random problems" + (" with alpha > 0" if regularised else ""), what=f"gradient: {what}")


@check
def grad_dW(ctx: CheckContext) -> Outcome:
    return _block(ctx, False, 0, "dW")


@check
def grad_db(ctx: CheckContext) -> Outcome:
    return _block(ctx, False, 1, "db")


@check
def grad_dW_regularised(ctx: CheckContext) -> Outcome:
    return _block(ctx, True, 0, "dW")


@check
def grad_db_regularised(ctx: CheckContext) -> Outcome:
    return _block(ctx, True, 1, "db")


@check
def loss_hidden(ctx: CheckContext) -> Outcome:
    state: Hw2Submission = ctx.state
    if (unusable := state.unusable("cross_entropy_loss")) is not None:
        return unusable
    verdicts = []
    for problem, alpha in zip(ctx.fact(problems), ALPHAS):
        for strength in loss_alphas(state, tuple(sorted({0.0, alpha}))):
            result = state.call("cross_entropy_loss", problem, alpha=strength)
            label = f"n = {problem.n}, alpha = {strength:g}"
            assert result is not None
            if not result.ok:
                return call_failed(result, signature=SIGNATURES["cross_entropy_loss"])
            want = solution.cross_entropy_loss(problem.W, problem.b, problem.X, problem.Y, strength)
            plain = solution.cross_entropy_loss(problem.W, problem.b, problem.X, problem.Y, 0.0)
            found = judge_loss(coerce.scalar(result.value)[0], want, plain, problem, strength, state.l2_factor,
                               gradient_doubles=state.gradient_doubles)
            verdicts.append(Verdict(found.credit, f"{label}: {found.message}", found.mistake, found.note))
    return outcome_of(state, verdicts, f"cross_entropy_loss matches the reference on {len(verdicts)} hidden cases",
                      what="cross_entropy_loss on hidden random problems")


HIDDEN = Hidden(checks=checks_in(__name__), hidden_seed="softmax-9d27e4a1c0")
