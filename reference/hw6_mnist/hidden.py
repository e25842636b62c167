"""Hidden checks of hw6_mnist: fCE (a.2) and gradCE block by block (a.3-a.6)
against the reference solution, on random networks and data drawn with the
hidden seed, naming the usual mistakes."""

from __future__ import annotations

from functools import cached_property

from grader.plugin import Hidden
from grader.rubric import Outcome

from . import evaluation
from .gradients import BlockVerdict, grade_block, gradient_verdicts
from .loss import fce
from .state import Hw6State

BATCH_SIZES = (7, 13, 23, 31)


class HiddenState(Hw6State):
    @cached_property
    def instances(self) -> list[evaluation.Instance]:
        """Random networks (NUM_HIDDEN units) and data: one per batch size."""
        rng = self.ctx.hidden_rng("a.instances")
        return [evaluation.random_instance(rng, self.hidden, n + 1 if n == self.hidden else n) for n in BATCH_SIZES]

    @cached_property
    def gradient_verdicts(self) -> Outcome | list[list[BlockVerdict]]:
        """Per block (W1, b1, W2, b2), one verdict per instance; shared by a.3-a.6."""
        return gradient_verdicts(self)


HIDDEN = Hidden(
    checks={"fce": fce, "grad_W1": lambda ctx: grade_block(ctx, 0), "grad_b1": lambda ctx: grade_block(ctx, 1),
            "grad_W2": lambda ctx: grade_block(ctx, 2), "grad_b2": lambda ctx: grade_block(ctx, 3)},
    hidden_seed="mnist-3c9e1f70b2",
    state=HiddenState,
)
