"""One block of a gradient (dW1, db2, ...) judged against the reference's,
naming the usual mistakes in course terms: not finite, n times too large (a
sum over the batch instead of a mean), the wrong sign, stored transposed in
the packed vector, a regularisation term added (L2 ``a * P``, L1
``c * sign(P)``; on a bias it is wrong outright), or one of the homework's own
named variants (a wrong derivative, a softmax over the whole matrix...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from grader.checks.numeric import compare

PARTIAL = 0.5
"""Credit for a block whose only fault is a recognised scale, layout or
regularisation slip: the direction is right, the step size is not."""
Variants = Mapping[tuple[str, str], Sequence[np.ndarray]]
"""(tag, the mistake in course terms) -> the blocks that mistake produces."""


@dataclass(frozen=True)
class BlockVerdict:
    credit: float
    message: str
    mistake: str | None = None
    also: tuple[str, ...] = ()
    """Further named mistakes behind the same verdict (a gradient that reads
    fCE's globals and is also summed)."""
    addendum: str = ""
    """What the further mistakes are, in words, kept when a summary message
    stands in for ``message``."""
    error: float | None = None
    """The block's largest absolute difference from the reference."""

    @property
    def mistakes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m for m in (self.mistake, *self.also) if m))


def judge_block(name: str, k: int, got: Any, want: np.ndarray, *, n: int, rtol: float, atol: float,
                variants: Variants | None = None, raw: np.ndarray | None = None, param: np.ndarray | None = None,
                bias: bool = False, summed_credit: float = PARTIAL, sign: bool = False,
                function: str = "the gradient") -> BlockVerdict:
    """Block ``k`` (called ``name``) of a gradient against ``want``. ``raw``: the
    block's entries as packed (to tell a block stored transposed); ``param``:
    the parameter block (to tell a regularisation term); ``sign``: name a
    flipped sign; ``summed_credit``: what a block n times too large keeps."""
    factors: dict[str, float] = {"the batch size n": n, **({"-1 (a flipped sign)": -1.0} if sign else {})}
    found = compare(got, want, factors=factors, rtol=rtol, atol=atol)
    if found.ok:
        return BlockVerdict(1.0, f"{name} {found.message}")
    if found.mistake == "nan":
        return BlockVerdict(0.0, f"{name} {found.message}", "nan")
    if found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, n, rtol=1e-3):
        return BlockVerdict(summed_credit, f"{name} is n times too large (n = {n})", "summed")
    if found.mistake == "scaled" and found.factor is not None and sign and np.isclose(found.factor, -1, rtol=1e-3):
        return BlockVerdict(0.0, f"{name} has the wrong sign: the gradient of the loss, not its negative", "sign")
    if raw is not None and want.ndim == 2:
        other = raw.reshape(want.shape[::-1]).T
        if np.allclose(other, want, rtol=rtol, atol=atol):
            return BlockVerdict(PARTIAL, f"{name} is packed transposed: {function} stores it as "
                                         f"{want.shape[::-1]} but your unpack reads that block as {want.shape}",
                                "transposed")
    mine = np.asarray(got, dtype=np.float64).reshape(want.shape) if np.size(got) == want.size else None
    term = regularisation(mine - want, param, rtol=rtol, atol=atol) if param is not None and mine is not None else None
    if term is not None:
        said = term.replace("P", name[1:])
        if bias:
            return BlockVerdict(0.0, f"{name} includes a regularisation term {said}: biases are not regularised",
                                "bias-regularised")
        return BlockVerdict(PARTIAL, f"{name} includes a regularisation term {said}", "regularised")
    for (tag, mistake), blocks in (variants or {}).items():
        if mine is not None and np.allclose(mine, blocks[k], rtol=rtol, atol=atol) and \
                not np.allclose(blocks[k], want, rtol=rtol, atol=atol):
            return BlockVerdict(0.0, f"{name} is wrong: {mistake}", tag)
    return BlockVerdict(0.0, f"{name} {found.message}")


def regularisation(diff: np.ndarray, param: np.ndarray, *, rtol: float, atol: float) -> str | None:
    """``diff`` as an L2 term a * P, an L1 term c * sign(P) or both (P the
    parameter block), in words; None if it is neither."""
    columns = np.stack([param.ravel(), np.sign(param).ravel()], axis=1)
    if not np.any(diff) or not np.any(param):
        return None
    (a, c), *_ = np.linalg.lstsq(columns, diff.ravel(), rcond=None)
    scale = max(1e-12, float(np.abs(diff).max()))
    a = a if abs(a) * float(np.abs(param).max()) > 1e-6 * scale else 0.0
    c = c if abs(c) > 1e-6 * scale else 0.0
    if (a == 0 and c == 0) or not np.allclose(a * param + c * np.sign(param), diff, rtol=rtol, atol=atol):
        return None
    parts = ([f"{a:.3g} * P (L2)"] if a else []) + ([f"{c:.3g} * sign(P) (L1)"] if c else [])
    return " + ".join(parts)
