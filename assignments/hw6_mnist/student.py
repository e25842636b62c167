"""The submission as hw6_mnist's checks see it, computed once on demand: its
hidden size, the layout of its w (read through its own pack/unpack), the
orientation in which its functions take data, and how fCE/gradCE must be
called. Every item asks here, so no item's grade depends on which ran first.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from grader.checks import coerce
from grader.checks.data import COLUMNS, ORIENTATIONS, Orientation, orient
from grader.checks.diagnostics import call_failed
from grader.checks.finite_diff import agree, float_eps
from grader.checks.signature import describe, role
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.sandbox import CallResult
from grader.sandbox.session import Call

from . import evaluation
from .evaluation import Instance
from .layout import BLOCKS, NUM_OUTPUT, Blocks, Layout, layout_from_packed, layout_from_unpacked, normalise_blocks, size_for

DEFAULT_HIDDEN = 40
RTOL = 1e-4
FUNCTIONS = {
    "fCE": "fCE(X, Y, w) -> float, X (784, n), Y (10, n)",
    "gradCE": "gradCE(X, Y, w) -> vector packed like w",
    "pack": "pack(W1, b1, W2, b2) -> w",
    "unpack": "unpack(w) -> (W1, b1, W2, b2)",
}


@dataclass(frozen=True)
class LayoutFinding:
    layout: Layout
    read: bool
    """The student's own pack/unpack told the layout (else: the stub's, assumed)."""
    how: str


@dataclass(frozen=True)
class OrientationFinding:
    orientation: Orientation
    confirmed: bool
    """The student's fCE (or gradCE) is right in this orientation; else the
    first orientation in which it gave finite numbers (or the stub's)."""
    via: str | None
    """``fCE`` or ``gradCE``: whose answers decided; None: nothing did."""
    first_failure: CallResult | None = None
    """fCE's first failed call while probing, if fCE never gave a number."""


@dataclass(frozen=True)
class Gradient:
    """gradCE's answer on one instance, read in canonical blocks."""

    blocks: Blocks | None
    raw: np.ndarray | None
    note: str | None
    result: CallResult
    after_fce: bool = False
    """gradCE only answered when fCE ran first on the same data (globals)."""


class Hw6Submission:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self._layouts: dict[int, LayoutFinding] = {}

    # -- the network's shape ------------------------------------------------
    @cached_property
    def hidden(self) -> int:
        """NUM_HIDDEN, or 40 set by the grader when the file has no usable one."""
        value = self.session.get("NUM_HIDDEN").get("NUM_HIDDEN")
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 < int(value) <= 2048 \
                and int(value) != NUM_OUTPUT:
            return int(value)
        self.ctx.note(f"NUM_HIDDEN is missing or not a usable integer; the grader set NUM_HIDDEN = "
                      f"{DEFAULT_HIDDEN} for part (a).")
        self.session.set(NUM_HIDDEN=DEFAULT_HIDDEN)
        return DEFAULT_HIDDEN

    def layout_for(self, hidden: int | None = None) -> LayoutFinding:
        """The student's layout of w for ``hidden`` units, read through their own
        unpack (or, failing that, pack); the stub's layout if neither works."""
        hidden = hidden or self.hidden
        if hidden not in self._layouts:
            self._layouts[hidden] = self._read_layout(hidden)
        return self._layouts[hidden]

    def _read_layout(self, hidden: int) -> LayoutFinding:
        size = size_for(hidden)
        scoped = {"NUM_HIDDEN": hidden} if hidden != self.hidden else None
        result = self.session.call("unpack", np.arange(size, dtype=np.float64), with_globals=scoped)
        found = layout_from_unpacked(result.value, hidden) if result.ok else None
        how = "read through your unpack"
        if found is None:
            numbered = Layout.standard(hidden).blocks(np.arange(size, dtype=np.float64))
            W1, b1, W2, b2 = numbered
            for t1, t2 in ((False, False), (True, True), (True, False), (False, True)):
                packed = self.session.call("pack", W1.T if t1 else W1, b1, W2.T if t2 else W2, b2,
                                           with_globals=scoped)
                if packed.ok and (found := layout_from_packed(packed.value, hidden, t1, t2)) is not None:
                    how = "read through your pack"
                    break
        if found is None:
            return LayoutFinding(Layout.standard(hidden), False, "the stub's layout (your pack/unpack could not tell)")
        if not found.canonical and hidden == self.hidden:
            self.ctx.note(f"Your w layout is {found.describe()} (not the stub's); the grader {how} and "
                          "compared gradient blocks up to that layout.")
        return LayoutFinding(found, True, how)

    @property
    def layout(self) -> Layout:
        return self.layout_for().layout

    def layout_live(self, hidden: int) -> Layout:
        """A layout for ``hidden`` units while the child is busy (mid-search):
        the one read before, or the same kind as the student's default layout."""
        if hidden in self._layouts:
            return self._layouts[hidden].layout
        family = self.layout.family()
        return Layout.standard(hidden, family.w1_transposed, family.w2_transposed) if family else \
            Layout.standard(hidden)

    # -- calling fCE and gradCE -------------------------------------------------
    def extra_values(self, function: str) -> tuple[dict[str, Any], list[str]]:
        """Keyword arguments beyond (X, Y, w): regularisation set to 0, hidden
        units to NUM_HIDDEN. Required parameters the grader cannot fill are listed."""
        extra, unknown = {}, []
        for p in (self.ctx.signature(function) or ())[3:]:
            if p.variadic or p.has_default:
                continue
            r = role(p.name)
            if r == "alpha":
                extra[p.name] = 0.0
            elif r == "hidden":
                extra[p.name] = self.hidden
            else:
                unknown.append(p.name)
        return extra, unknown

    def required_problem(self, function: str) -> Outcome | None:
        """Why ``function`` cannot be called at all (required parameters the
        grader cannot fill); None if it can."""
        extra, unknown = self.extra_values(function)
        if unknown:
            return Outcome(0.0, f"{function}({describe(self.ctx.signature(function) or ())}) has required "
                                f"parameters the grader cannot fill ({', '.join(unknown)}); expected "
                                f"{FUNCTIONS[function]}", hint=f"give extra parameters of {function} default values")
        if extra:
            self.ctx.note(f"{function} has required extra parameters ({', '.join(extra)}); the grader passed "
                          f"{', '.join(f'{k}={v}' for k, v in extra.items())} (the unregularised value).")
        return None

    def usable(self, function: str) -> bool:
        return self.ctx.defines(function) and self.required_problem(function) is None

    def call_loss(self, function: str, inst: Instance, orientation: Orientation | None = None,
                  w: np.ndarray | None = None, **overrides: Any) -> CallResult:
        """``function(X, Y, w, ...)`` on an instance, in the student's orientation and layout."""
        extra, _ = self.extra_values(function)
        X, Y = orient(inst.X, inst.Y, orientation or self.orientation.orientation)
        weights = self.layout.pack(inst.blocks) if w is None else w
        return self.session.call(function, X, Y, weights, **{**extra, **overrides})

    def read_gradient(self, value: Any) -> tuple[Blocks | None, np.ndarray | None, str | None]:
        """Canonical gradient blocks and the raw packed vector from gradCE's value."""
        layout = self.layout
        vector, note = coerce.packed_vector(value, layout.size)
        if vector is not None:
            return layout.blocks(vector), vector, note
        norm = normalise_blocks(value, layout.hidden)
        if norm is not None:
            return norm[0], layout.pack(norm[0]), "returned the 4 gradient blocks instead of one packed vector"
        return None, None, None

    def gradient(self, inst: Instance) -> Gradient:
        """gradCE on an instance; if it fails alone, once more right after fCE
        on the same data (a gradCE that reads what fCE left in globals)."""
        result = self.call_loss("gradCE", inst)
        blocks, raw, note = self.read_gradient(result.value) if result.ok else (None, None, None)
        if blocks is not None:
            return Gradient(blocks, raw, note, result)
        if result.error is not None and (result.error.kind in ("missing", "budget") or result.error.unimplemented):
            return Gradient(None, None, None, result)
        return self.after_fce(inst) or Gradient(None, None, None, result)

    def after_fce(self, inst: Instance) -> Gradient | None:
        """gradCE called right after fCE on the same data, in one request; None
        if fCE cannot run or gradCE still gives no gradient."""
        if not self.usable("fCE"):
            return None
        extra, _ = self.extra_values("fCE")
        X, Y = orient(inst.X, inst.Y, self.orientation.orientation)
        again = self.call_loss("gradCE", inst, before=[Call("fCE", (X, Y, self.layout.pack(inst.blocks)), extra)])
        if not again.ok or any(error is not None for error in again.before):
            return None
        blocks, raw, note = self.read_gradient(again.value)
        return Gradient(blocks, raw, note, again, after_fce=True) if blocks is not None else None

    # -- data orientation ---------------------------------------------------------
    @cached_property
    def probe(self) -> Instance:
        """A public random network and data, for questions that need no hidden instance."""
        n = 7 if self.hidden != 7 else 8
        return evaluation.random_instance(self.ctx.public_rng("a.probe"), self.hidden, n)

    @cached_property
    def orientation(self) -> OrientationFinding:
        """How the student's functions take data: the orientation in which fCE
        equals the grader's cross-entropy; else in which gradCE agrees with
        finite differences of it; else the first in which fCE (then gradCE)
        gives finite numbers; else the stub's (examples as columns)."""
        inst, guess, first_failure = self.probe, None, None
        if self.usable("fCE"):
            want = evaluation.cross_entropy(inst.blocks, inst.X, inst.Y)
            for candidate in ORIENTATIONS:
                result = self.call_loss("fCE", inst, candidate)
                value = coerce.scalar(result.value)[0] if result.ok else None
                if value is not None and np.isclose(value, want, rtol=RTOL):
                    return self._said(OrientationFinding(candidate, True, "fCE"))
                if value is not None and np.isfinite(value) and guess is None:
                    guess = candidate
                if not result.ok and first_failure is None:
                    first_failure = result
            if guess is not None:
                return self._said(OrientationFinding(guess, False, "fCE"))
        if self.usable("gradCE"):
            usable = None
            for candidate in ORIENTATIONS:
                result = self.call_loss("gradCE", inst, candidate)
                blocks = self.read_gradient(result.value)[0] if result.ok else None
                if blocks is None:
                    continue
                if self._agrees_with_grader(inst, blocks):
                    return self._said(OrientationFinding(candidate, True, "gradCE", first_failure))
                if usable is None and all(np.isfinite(b).all() for b in blocks):
                    usable = candidate
            if usable is not None:
                return self._said(OrientationFinding(usable, False, "gradCE", first_failure))
        return OrientationFinding(COLUMNS, False, None, first_failure)

    def _said(self, found: OrientationFinding) -> OrientationFinding:
        if found.orientation != COLUMNS:
            shown = "examples as rows" if found.orientation.describe() == "rows" else found.orientation.describe()
            self.ctx.note(f"Your functions take the data with {shown} (the stub has examples as columns: X (784, n), "
                          "Y (10, n)); the grader passed it that way throughout.")
        return found

    def _agrees_with_grader(self, inst: Instance, blocks: Blocks) -> bool:
        """Whether gradient blocks match central differences of the grader's own
        cross-entropy (no reference needed)."""
        w = self.layout.pack(inst.blocks)

        def loss(at: np.ndarray) -> tuple[float | None, float]:
            return evaluation.cross_entropy(self.layout.blocks(at), inst.X, inst.Y), float(np.finfo(float).eps)

        found = agree(loss, w, self.layout.pack(blocks), list(zip(BLOCKS, self.layout.index)),
                      self.ctx.public_rng("a.orientation"), directions=1, eps=1e-5)
        return found is not None and all(block.agrees for block in found)

    @property
    def adapted_orientation(self) -> str | None:
        found = self.orientation.orientation
        return f"data with {found.describe()}" if found != COLUMNS else None

    @property
    def adapted_layout(self) -> str | None:
        return None if self.layout.canonical else f"w layout: {self.layout.describe()}"

    # -- a gradient n times too large ---------------------------------------------------
    @cached_property
    def summed_gradient(self) -> bool:
        """gradCE sums a block over the batch instead of averaging it: some
        block is n times the finite differences of the grader's cross-entropy."""
        if not self.usable("gradCE"):
            return False
        inst = self.probe
        found = self.gradient(inst)
        if found.blocks is None:
            return False
        w = self.layout.pack(inst.blocks)
        gradient = self.layout.pack(found.blocks)
        rng = self.ctx.public_rng("a.summed")
        for index in self.layout.index:
            direction = np.zeros(w.size)
            step = rng.normal(size=index.size)
            direction[index.ravel()] = step / np.linalg.norm(step)
            numeric = (evaluation.cross_entropy(self.layout.blocks(w + 1e-5 * direction), inst.X, inst.Y) -
                       evaluation.cross_entropy(self.layout.blocks(w - 1e-5 * direction), inst.X, inst.Y)) / 2e-5
            if abs(numeric) > 1e-6 and np.isclose(float(gradient @ direction), inst.n * numeric, rtol=1e-3):
                return True
        return False


def loss_value(result: CallResult) -> tuple[float | None, float]:
    """A loss call's number and the precision it was computed in."""
    if not result.ok:
        return None, float_eps(None)
    return coerce.scalar(result.value)[0], float_eps(result.value)


def failed(result: CallResult, function: str) -> Outcome:
    return call_failed(result, signature=FUNCTIONS.get(function))
