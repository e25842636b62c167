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

import re

from grader.checks import coerce
from grader.checks.data import COLUMNS, ORIENTATIONS, Orientation, orient
from grader.checks.diagnostics import call_failed
from grader.checks.finite_diff import agree, float_eps
from grader.checks.signature import describe, role
from grader.checks.source import int_constants
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.sandbox import CallResult
from grader.sandbox.session import Call, Param

from . import evaluation
from .evaluation import Instance
from .layout import (BLOCKS, NUM_INPUT, NUM_OUTPUT, Blocks, Layout, layout_from_packed, layout_from_unpacked,
                     normalise_blocks, numbered, size_for)

DEFAULT_HIDDEN = 40
USUAL_HIDDEN = (40, 50, 30, 64, 100, 20, 32, 60, 80, 128, 25, 200, 256)
"""Hidden sizes tried, after the file's own integer constants, for a file
whose pack/unpack do not fit NUM_HIDDEN (or that has none)."""
RTOL = 1e-4
STATE_CREDIT = 0.5
"""What gradCE's checks keep when it is right only right after fCE ran on the
same data (it reads what fCE left in globals): the math is graded as usual,
then halved: train works, but gradCE alone, as check_grad calls it, does not."""
FORWARD_KINDS = ("z1", "h1", "z2", "yhat")
_FORWARD_NAMES = (
    ("yhat", r"y?hat\d?|yh|ypred|preds?|probs?|p|a2|h2|outputs?|softmax|yprob|yp|predictions?"),
    ("z2", r"z2|logits?|scores?"),
    ("z1", r"z1?|zhid|zhidden|pre1?|preact(ivation)?1?"),
    ("h1", r"h1?|a1?|act1?|relu1?|activations?1?|hid|hiddenout|hiddenact"),
)
"""Course names of the forward pass's values, as parameters of gradCE."""
FORWARD_FUNCTIONS = ("forward", "feedforward", "feed_forward", "forward_prop", "forwardProp", "forward_pass",
                     "forwardPass", "forwardPropagation", "forward_propagation", "fprop")
NOT_ZEROED = ("trainX", "trainY", "valX", "valY", "w", "hidden", "lr", "batch", "epochs")
"""Roles whose defaults are no regularisation strength."""
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
    confirmed: bool = False
    """The student's unpack reads w in this layout exactly (what fCE and
    gradCE rely on); a layout read through pack alone may not be."""


@dataclass(frozen=True)
class LossCall:
    """How to call fCE or gradCE (or a forward function) as the file wrote it."""

    data: dict[str, str]
    """``X``, ``Y``, ``w`` -> the parameter each goes to (by name; empty: positionally)."""
    forward: dict[str, str]
    """Forward-pass values the function takes: course name (z1, h1, z2, yhat) -> parameter."""
    fixed: dict[str, Any]
    """Other required parameters and what the grader passes: 0 for a
    regularisation strength or any number that is not data, NUM_HIDDEN for a size."""
    zeroable: tuple[str, ...]
    """Parameters with a non-zero numeric default that are not data: where a
    regularisation on by default hides."""
    params: tuple[Param, ...] | None

    @property
    def positional(self) -> bool:
        return not self.data

    def arguments(self, X: Any, Y: Any, w: Any, forward: dict[str, Any] | None = None) -> dict[str, Any]:
        values = {"X": X, "Y": Y, "w": w}
        found = {name: values[what] for what, name in self.data.items()}
        found.update({name: (forward or {})[kind] for kind, name in self.forward.items()})
        return {**found, **self.fixed}


@dataclass(frozen=True)
class ForwardSource:
    """Where gradCE's forward-pass values come from: the student's own fCE
    (a tuple) or forward function, and which item is which."""

    function: str
    positions: dict[str, int]

    def describe(self, params: tuple[str, ...]) -> str:
        items = ", ".join(f"{kind} (item {index + 1})" for kind, index in sorted(self.positions.items(),
                                                                                  key=lambda pair: pair[1])
                          if kind in params)
        return f"your {self.function}'s tuple: {items}"


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
        self._layout_noted = False
        self._plans: dict[str, LossCall] = {}

    # -- the network's shape ------------------------------------------------
    @cached_property
    def hidden(self) -> int:
        """The hidden size the student's own pack/unpack work with: NUM_HIDDEN
        when they fit it, else the first of the file's integer constants (then
        the usual sizes) they round-trip exactly with, set as NUM_HIDDEN; 40
        set by the grader when nothing fits and the file has no usable NUM_HIDDEN."""
        value = self.session.get("NUM_HIDDEN").get("NUM_HIDDEN")
        named = int(value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and \
            0 < int(value) <= 2048 and int(value) != NUM_OUTPUT else None
        if named is not None:
            self._layouts[named] = self._read_layout(named, None)
            if self._layouts[named].confirmed:
                return named
        for size, where in self._hidden_candidates(named):
            # Not scoped with NUM_HIDDEN = size: an unpack that reads NUM_HIDDEN
            # would fit any size, and the file may have none to read.
            found = self._read_layout(size, None)
            if found.confirmed:
                self._layouts[size] = found
                self.session.set(NUM_HIDDEN=size)
                why = "the file has no NUM_HIDDEN" if named is None else \
                    f"NUM_HIDDEN = {named} does not fit them"
                self.ctx.note(f"Your pack/unpack round-trip exactly with {size} hidden units ({where}; {why}): the "
                              f"grader used {size} for part (a) and set NUM_HIDDEN = {size}.")
                return size
        if named is not None:
            return named
        self.ctx.note(f"NUM_HIDDEN is missing or not a usable integer, and your pack/unpack fit none of the file's "
                      f"constants or the usual sizes; the grader set NUM_HIDDEN = {DEFAULT_HIDDEN} for part (a).")
        self.session.set(NUM_HIDDEN=DEFAULT_HIDDEN)
        self._layouts.pop(DEFAULT_HIDDEN, None)
        return DEFAULT_HIDDEN

    def _hidden_candidates(self, named: int | None) -> list[tuple[int, str]]:
        """The file's integer constants (module level, then literals in pack and
        unpack), then the usual hidden sizes: each once, never NUM_HIDDEN's."""
        found = [(c.value, c.where) for c in int_constants(self.ctx.source, functions=("unpack", "pack"),
                                                           low=2, high=2048)
                 if c.value not in (NUM_INPUT, NUM_OUTPUT)]
        found += [(size, "a usual hidden size") for size in USUAL_HIDDEN]
        seen: set[int] = {named} if named is not None else set()
        ordered = []
        for size, where in found:
            if size not in seen:
                seen.add(size)
                ordered.append((size, where))
        return ordered

    def layout_for(self, hidden: int | None = None) -> LayoutFinding:
        """The student's layout of w for ``hidden`` units, read through their own
        unpack (or, failing that, pack); the stub's layout if neither works."""
        hidden = hidden or self.hidden
        if hidden not in self._layouts:
            scoped = {"NUM_HIDDEN": hidden} if hidden != self.hidden else None
            self._layouts[hidden] = self._read_layout(hidden, scoped)
        found = self._layouts[hidden]
        if found.read and not found.layout.canonical and hidden == self.hidden and not self._layout_noted:
            self._layout_noted = True
            self.ctx.note(f"Your w layout is {found.layout.describe()} (not the stub's); the grader {found.how} and "
                          "compared gradient blocks up to that layout.")
        return found

    def _read_layout(self, hidden: int, scoped: dict[str, Any] | None) -> LayoutFinding:
        size = size_for(hidden)
        result = self.session.call("unpack", np.arange(size, dtype=np.float64), with_globals=scoped)
        found = layout_from_unpacked(result.value, hidden) if result.ok else None
        if found is not None:
            return LayoutFinding(found, True, "read through your unpack", confirmed=True)
        W1, b1, W2, b2 = numbered(hidden)
        for t1, t2 in ((False, False), (True, True), (True, False), (False, True)):
            packed = self.session.call("pack", W1.T if t1 else W1, b1, W2.T if t2 else W2, b2, with_globals=scoped)
            if packed.ok and (found := layout_from_packed(packed.value, hidden, t1, t2)) is not None:
                return LayoutFinding(found, True, "read through your pack",
                                     confirmed=self._unpack_reads(found, scoped))
        return LayoutFinding(Layout.standard(hidden), False, "the stub's layout (your pack/unpack could not tell)")

    def _unpack_reads(self, layout: Layout, scoped: dict[str, Any] | None) -> bool:
        """Whether the student's unpack gives back blocks packed in ``layout``."""
        rng = self.ctx.public_rng(f"a.layout.{layout.hidden}")
        blocks = tuple(rng.normal(size=shape) for shape in (b.shape for b in numbered(layout.hidden)))
        back = self.session.call("unpack", layout.pack(blocks), with_globals=scoped)
        norm = normalise_blocks(back.value, layout.hidden) if back.ok else None
        return norm is not None and all(np.allclose(a, b) for a, b in zip(norm[0], blocks))

    @property
    def layout(self) -> Layout:
        return self.layout_for().layout

    def known_layouts(self) -> list[Layout]:
        """The layouts read so far, for any hidden size."""
        return [found.layout for found in self._layouts.values() if found.read]

    def read_layouts_for_search(self) -> None:
        """A layout of the file's own kind cannot be told for another hidden
        size while the child is busy searching: read it now for the usual
        sizes (the default one first)."""
        self.layout_for()
        if self.layout.family() is None:
            for size in USUAL_HIDDEN:
                self.layout_for(size)

    def layout_live(self, hidden: int) -> Layout:
        """A layout for ``hidden`` units while the child is busy (mid-search):
        the one read before, or the same kind as the student's default layout."""
        if hidden in self._layouts:
            return self._layouts[hidden].layout
        family = self.layout.family()
        return Layout.standard(hidden, family.w1_transposed, family.w2_transposed) if family else \
            Layout.standard(hidden)

    # -- calling fCE and gradCE -------------------------------------------------
    def plan(self, function: str) -> LossCall:
        """How ``function`` takes the data, w, forward-pass values and anything
        else, from its parameters' names (the stub's positions when names say
        nothing)."""
        if function not in self._plans:
            self._plans[function] = self._plan(function)
        return self._plans[function]

    def _plan(self, function: str) -> LossCall:
        params = self.ctx.signature(function)
        if params is None:
            return LossCall({}, {}, {}, (), None)
        usable = [p for p in params if not p.variadic]
        data: dict[str, str] = {}
        forward: dict[str, str] = {}
        fixed: dict[str, Any] = {}
        zeroable: list[str] = []
        unassigned: list[Param] = []
        for p in usable:
            kind = _forward_kind(p.name) if not p.has_default else None
            r = role(p.name)
            what = "X" if r in ("trainX", "valX") else "Y" if r in ("trainY", "valY") else "w" if r == "w" else None
            if kind is not None and kind not in forward:
                forward[kind] = p.name
            elif what is not None and what not in data:
                data[what] = p.name
            else:
                unassigned.append(p)
        for what in ("X", "Y", "w"):  # the stub's order for parameters whose names say nothing
            if what not in data:
                taken = set(data.values()) | set(forward.values())
                spare = next((p for p in unassigned if p.positional and p.name not in taken and not p.has_default
                              and role(p.name) in (None, "trainX", "trainY", "valX", "valY")), None)
                if spare is not None:
                    data[what] = spare.name
                    unassigned.remove(spare)
        for p in unassigned:
            r = role(p.name)
            if not p.has_default:
                fixed[p.name] = self.hidden if r == "hidden" else 0.0
            elif isinstance(p.default, (int, float)) and not isinstance(p.default, bool) and p.default != 0 and \
                    r not in NOT_ZEROED:
                zeroable.append(p.name)
        if "X" not in data or "w" not in data:
            return LossCall({}, {}, {}, (), tuple(params))  # the stub's (X, Y, w) by position
        return LossCall(data, forward, fixed, tuple(zeroable), tuple(params))

    def required_problem(self, function: str) -> Outcome | None:
        """Why ``function`` cannot be called at all (forward-pass values nobody
        gives); None if it can. Says once how its other parameters are filled."""
        plan = self.plan(function)
        params = plan.params or ()
        if plan.forward and self.forward_source is None:
            return Outcome(0.0, f"{function}({describe(params)}) takes forward-pass values "
                                f"({', '.join(plan.forward.values())}), and neither fCE nor a forward function "
                                "returns them, so the grader cannot call it; expected "
                                f"{FUNCTIONS[function]}",
                           hint=f"compute z1, h1 and yhat inside {function}, or return them from fCE")
        if plan.fixed and function not in self._said_fixed:
            self._said_fixed.add(function)
            self.ctx.note(f"{function} has required extra parameters ({', '.join(plan.fixed)}); the grader passed "
                          f"{', '.join(f'{k}={v}' for k, v in plan.fixed.items())} (the unregularised value).")
        if plan.forward and function not in self._said_fixed:
            self._said_fixed.add(function)
            assert self.forward_source is not None
            self.ctx.note(f"{function}({describe(params)}) takes forward-pass values: the grader passed "
                          f"{', '.join(plan.forward.values())} from "
                          f"{self.forward_source.describe(tuple(plan.forward))}, on the same w and data.")
        return None

    @cached_property
    def _said_fixed(self) -> set[str]:
        return set()

    def usable(self, function: str) -> bool:
        return self.ctx.defines(function) and self.required_problem(function) is None

    def call_loss(self, function: str, inst: Instance, orientation: Orientation | None = None,
                  w: np.ndarray | None = None, before: tuple[Call, ...] | list[Call] = (),
                  **overrides: Any) -> CallResult:
        """``function(X, Y, w, ...)`` on an instance, in the student's orientation and layout."""
        X, Y = orient(inst.X, inst.Y, orientation or self.orientation.orientation)
        weights = self.layout.pack(inst.blocks) if w is None else w
        return self.call_with(function, X, Y, weights, before=before, **overrides)

    def call_with(self, function: str, X: Any, Y: Any, w: Any, before: tuple[Call, ...] | list[Call] = (),
                  **overrides: Any) -> CallResult:
        """``function`` on data already in the student's orientation."""
        plan = self.plan(function)
        if plan.positional:
            return self.session.call(function, X, Y, w, before=tuple(before), **overrides)
        forward = None
        if plan.forward:
            found = self.forward_values(X, Y, w)
            if isinstance(found, CallResult):
                return found
            forward = found
        return self.session.call(function, before=tuple(before), **{**plan.arguments(X, Y, w, forward), **overrides})

    def fce_call(self, X: Any, Y: Any, w: Any) -> Call:
        """fCE on this data as a step of another request (``before=``)."""
        plan = self.plan("fCE")
        if plan.positional:
            return Call("fCE", (X, Y, w), {})
        return Call("fCE", (), plan.arguments(X, Y, w))

    # -- the forward pass, for a gradCE that takes its values ---------------------
    @cached_property
    def forward_source(self) -> ForwardSource | None:
        """Which of the student's functions returns the forward pass (fCE's
        tuple first, then a forward function), and where each value sits in
        it: the values the grader computes itself on the probe name them."""
        inst = self.probe
        orientation = self.orientation.orientation
        X, Y = orient(inst.X, inst.Y, orientation)
        w = self.layout.pack(inst.blocks)
        ours = evaluation.forward(inst.blocks, inst.X)
        for function in ("fCE", *FORWARD_FUNCTIONS):
            if not self.ctx.defines(function) or self.plan(function).forward:
                continue
            result = self.call_with(function, X, Y, w)
            if result.ok and (positions := _forward_positions(result.value, ours, orientation.describe() == "rows",
                                                               self.hidden, inst.n)):
                return ForwardSource(function, positions)
        return None

    def forward_values(self, X: Any, Y: Any, w: Any) -> dict[str, Any] | CallResult:
        """The student's own forward pass on this data and w, by course name
        (or the failed call that should have given it)."""
        source = self.forward_source
        assert source is not None
        result = self.call_with(source.function, X, Y, w)
        if not result.ok or not isinstance(result.value, (tuple, list)):
            return result
        return {kind: result.value[index] for kind, index in source.positions.items()
                if index < len(result.value)}

    def read_gradient(self, value: Any) -> tuple[Blocks | None, np.ndarray | None, str | None]:
        """Canonical gradient blocks and the raw packed vector from gradCE's value."""
        layout = self.layout
        vector, note = layout.read(value)
        if vector is not None:
            return layout.blocks(vector), vector, note
        norm = normalise_blocks(value, layout.hidden)
        if norm is not None:
            return norm[0], layout.flat(norm[0]), "returned the 4 gradient blocks instead of one packed vector"
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
        X, Y = orient(inst.X, inst.Y, self.orientation.orientation)
        again = self.call_loss("gradCE", inst, before=[self.fce_call(X, Y, self.layout.pack(inst.blocks))])
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
        if self.ctx.defines("gradCE") and not self.plan("gradCE").forward and self.usable("gradCE"):
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
        w = self.layout.flat(inst.blocks)

        def loss(at: np.ndarray) -> tuple[float | None, float]:
            return evaluation.cross_entropy(self.layout.blocks(at), inst.X, inst.Y), float(np.finfo(float).eps)

        found = agree(loss, w, self.layout.flat(blocks), list(zip(BLOCKS, self.layout.index)),
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
        w = self.layout.flat(inst.blocks)
        gradient = self.layout.flat(found.blocks)
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


def largest_error(got: np.ndarray, want: np.ndarray) -> float | None:
    """The largest absolute difference of two same-shaped blocks (None: other shapes or not finite)."""
    if np.shape(got) != np.shape(want):
        return None
    with np.errstate(all="ignore"):
        error = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - want)))
    return error if np.isfinite(error) else None


def loss_value(result: CallResult) -> tuple[float | None, float]:
    """A loss call's number and the precision it was computed in."""
    if not result.ok:
        return None, float_eps(None)
    return coerce.scalar(result.value)[0], float_eps(result.value)


def failed(result: CallResult, function: str) -> Outcome:
    return call_failed(result, signature=FUNCTIONS.get(function))


def _forward_kind(name: str) -> str | None:
    """The forward-pass value a parameter's name stands for (z1, h1, z2, yhat), if any."""
    key = re.sub(r"[_\s]", "", name.lower())
    return next((kind for kind, pattern in _FORWARD_NAMES if re.fullmatch(pattern, key)), None)


def _forward_positions(value: Any, ours: dict[str, np.ndarray], rows: bool, hidden: int,
                       n: int) -> dict[str, int]:
    """Which item of a returned tuple is which forward-pass value: the ones
    equal to the grader's own first, then by shape (hidden-sized: h1 when it
    has no negative entry, else z1; class-sized: yhat when it sums to 1 per
    example, else z2). Empty unless at least two arrays are found."""
    if not isinstance(value, (tuple, list)):
        return {}
    arrays = {i: item for i, item in enumerate(value) if isinstance(item, np.ndarray) and item.ndim == 2
              and item.dtype.kind in "biuf"}
    found: dict[str, int] = {}
    for kind in ("yhat", "z2", "h1", "z1"):
        target = ours[kind].T if rows else ours[kind]
        for i, item in arrays.items():
            if i not in found.values() and item.shape == target.shape and np.allclose(item, target, rtol=1e-6,
                                                                                       atol=1e-9):
                found[kind] = i
                break
    for i, item in arrays.items():
        if i in found.values():
            continue
        if item.shape in ((hidden, n), (n, hidden)):
            kind = "h1" if "h1" not in found and bool(np.all(item >= 0)) else "z1"
        elif item.shape in ((NUM_OUTPUT, n), (n, NUM_OUTPUT)):
            sums = item.sum(axis=1 if rows else 0)
            kind = "yhat" if "yhat" not in found and np.allclose(sums, 1) else "z2"
        else:
            continue
        found.setdefault(kind, i)
    return found if len(found) >= 2 else {}
