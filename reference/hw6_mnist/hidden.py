"""Hidden checks of hw6_mnist: fCE (a.2) and gradCE block by block (a.3-a.6)
against the reference solution, on random networks and data drawn with the
hidden seed, naming the usual mistakes."""

from __future__ import annotations

from grader.context import CheckContext
from grader.plugin import Hidden, check, checks_in
from grader.rubric import Outcome

from . import loss
from .gradients import grade_block


@check
def grad_W1(ctx: CheckContext) -> Outcome:
    return grade_block(ctx, 0)


@check
def grad_b1(ctx: CheckContext) -> Outcome:
    return grade_block(ctx, 1)


@check
def grad_W2(ctx: CheckContext) -> Outcome:
    return grade_block(ctx, 2)


@check
def grad_b2(ctx: CheckContext) -> Outcome:
    return grade_block(ctx, 3)


HIDDEN = Hidden(checks=checks_in(loss, __name__), hidden_seed="mnist-3c9e1f70b2")
