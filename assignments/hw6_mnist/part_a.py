"""Part (a) checks of hw6_mnist that need no reference: pack/unpack round
trips (a.1) and gradCE against finite differences of the student's own fCE
(a.7). The comparisons with the reference (a.2-a.6) are hidden."""

from __future__ import annotations

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.finite_diff import agree
from grader.checks.numeric import compare
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome

from .calls import FUNCTIONS
from .layout import BLOCKS, Layout, normalise_blocks, size_for
from .student import STATE_CREDIT, Hw6Submission, loss_value


@check
def pack_unpack(ctx: CheckContext) -> Outcome:
    state: Hw6Submission = ctx.state
    hidden = state.hidden
    found_layout = state.layout_for(hidden)
    layout = found_layout.layout
    if not found_layout.read:
        packed = ctx.session.call("pack", np.zeros((hidden, 784)), np.zeros(hidden), np.zeros((10, hidden)),
                                  np.zeros(10))
        if packed.ok and isinstance(packed.value, (dict, list, tuple)):
            kind = type(packed.value).__name__
            return Outcome(0.0, f"pack returned a {kind} of the blocks, not one vector w: the stub's pack "
                                "concatenates the flattened W1, b1, W2, b2 into one vector, which fCE, gradCE and "
                                "train take (the grader builds and reads w that way)",
                           hint="pack: return np.concatenate([W1.ravel(), b1, W2.ravel(), b2]); unpack cuts w back "
                                "into the 4 blocks", mistakes=("unpack",))
        probe = ctx.session.call("unpack", np.zeros(size_for(hidden)))
        if not probe.ok:
            return call_failed(probe, signature=FUNCTIONS["unpack"])
        return Outcome(0.0, f"unpack(w) of a vector of length {size_for(hidden)} (NUM_HIDDEN = {hidden}) "
                            "did not return the 4 blocks (W1, b1, W2, b2) with every entry of w used exactly once",
                       hint="unpack must return W1 (NUM_HIDDEN, 784), b1, W2 (10, NUM_HIDDEN), b2 cut from w",
                       mistakes=("unpack",))
    rng = ctx.public_rng("a.1")
    blocks = (rng.normal(size=(hidden, 784)), rng.normal(size=hidden), rng.normal(size=(10, hidden)),
              rng.normal(size=10))
    packed = ctx.session.call("pack", *layout.student_blocks(blocks))
    if not packed.ok:
        return Outcome(0.5, f"unpack is a valid layout, but pack {call_failed(packed).output}",
                       hint="pack(W1, b1, W2, b2) must concatenate the flattened blocks into one vector")
    found = compare(packed.value, layout.pack(blocks))
    if not found.ok:
        return Outcome(0.5, f"pack is not the inverse of unpack: pack(W1, b1, W2, b2) {found.message}",
                       hint="pack and unpack must use the same order and shapes: unpack(pack(W1, b1, W2, b2)) "
                            "gives back W1, b1, W2, b2", mistakes=("pack-unpack",))
    back = ctx.session.call("unpack", packed.value)
    norm = normalise_blocks(back.value, hidden) if back.ok else None
    if norm is None or not all(np.allclose(a, b) for a, b in zip(norm[0], blocks)):
        return Outcome(0.5, "unpack(pack(W1, b1, W2, b2)) does not give back W1, b1, W2, b2",
                       mistakes=("pack-unpack",))
    text = f"unpack(pack(W1, b1, W2, b2)) round trip exact (NUM_HIDDEN = {hidden}); layout: {layout.describe()}"
    return Outcome(1.0, text).with_adaptations(state.adapted_layout or "")


@check
def finite_differences(ctx: CheckContext) -> Outcome:
    """Directional derivatives of the student's fCE against their gradCE, block by block."""
    state: Hw6Submission = ctx.state
    for function in ("fCE", "gradCE"):
        problem = state.required_problem(function)
        if problem is not None:
            return problem
    layout = state.layout
    inst = state.probe
    grad = state.call_loss("gradCE", inst)
    penalty, said = 1.0, ""
    if not grad.ok:
        outcome = call_failed(grad, signature=FUNCTIONS["gradCE"])
        found = state.after_fce(inst)
        if found is None or found.raw is None:
            return outcome
        # Right only right after fCE: the math is checked on that call, and half kept.
        grad, penalty = found.result, STATE_CREDIT
        said = (f"{outcome.output}, but right after fCE on the same data it answers (gradCE used values fCE left in "
                "globals: gradCE must compute z1, h1 and yhat itself); checked on that call, half credit. ")
    vector, _ = layout.read(grad.value)
    if vector is None:
        norm = normalise_blocks(grad.value, layout.hidden)
        if norm is None:
            return Outcome(0.0, f"gradCE did not return an array shaped like w ({_shape(layout)})")
        vector = layout.flat(norm[0])
    w = layout.pack(inst.blocks)
    flat = np.asarray(w, dtype=np.float64).ravel()

    def loss(at: np.ndarray) -> tuple[float | None, float]:
        return loss_value(state.call_loss("fCE", inst, w=at.reshape(np.shape(w))))

    found_blocks = agree(loss, flat, vector, list(zip(BLOCKS, layout.index)), ctx.public_rng("a.7"))
    if found_blocks is None:
        return Outcome(0.0, "fCE did not return a number, so gradCE cannot be checked against it")
    agreeing = sum(block.agrees for block in found_blocks)
    mistakes = ("state",) if penalty < 1 else ()
    if agreeing == len(found_blocks):
        return Outcome(penalty, said + "gradCE agrees with central differences of your fCE along random directions "
                                       "in W1, b1, W2 and b2 (scipy.optimize.check_grad would agree)",
                       hint="compute z1, h1 and yhat inside gradCE" if penalty < 1 else None, mistakes=mistakes)
    lines = [block.describe("gradCE") for block in found_blocks if not block.agrees]
    return Outcome(penalty * agreeing / len(found_blocks),
                   said + f"{len(found_blocks) - agreeing} of 4 blocks disagree with finite differences of your own "
                          "fCE: " + "; ".join(lines),
                   hint="check_grad(fCE, gradCE, w) should be near 0: the gradient of the loss you compute is not "
                        "what gradCE returns", mistakes=("inconsistent", *mistakes))


def _shape(layout: Layout) -> str:
    return f"shape {layout.shape}" if layout.shape is not None else f"a vector of length {layout.size}"
