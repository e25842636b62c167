"""The submission as hw6_mnist's checks see it, computed once on demand: its
hidden size and the layout of its w (``probing``), how fCE/gradCE must be
called (``calls``), the orientation in which its functions take data, and its
gradients read in canonical blocks. Every item asks here, so no item's grade
depends on which ran first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from grader.checks import coerce
from grader.checks.data import COLUMNS, ORIENTATIONS, Orientation, orient
from grader.checks.diagnostics import call_failed
from grader.checks.finite_diff import agree, float_eps
from grader.checks.signature import describe
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.sandbox import CallResult
from grader.sandbox.session import Call

from . import evaluation
from .calls import FORWARD_FUNCTIONS, FUNCTIONS, ForwardSource, LossCall, forward_positions, plan_loss_call, \
    regulariser_globals
from .evaluation import Instance
from .layout import BLOCKS, Blocks, normalise_blocks
from .names import Resolved, resolve
from .probing import LayoutProbe

RTOL = 1e-4
STATE_CREDIT = 0.5
"""What gradCE's checks keep when it is right only right after fCE ran on the
same data (it reads what fCE left in globals): the math is graded as usual,
then halved: train works, but gradCE alone, as check_grad calls it, does not."""


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


class Hw6Submission(LayoutProbe):
    def __init__(self, ctx: CheckContext) -> None:
        super().__init__(ctx)
        self._plans: dict[str, LossCall] = {}

    # -- the file's names for the stub's functions ---------------------------------
    def resolved(self, function: str) -> Resolved:
        """The file's function graded as the stub's ``function`` (fCE, gradCE,
        train; itself for any other name), said once in a note when it is not
        spelled so."""
        if function not in self._names:
            found = resolve(function, self.ctx.imported.functions, self.ctx.source, lambda: self.hidden) \
                if function in ("fCE", "gradCE", "train") else Resolved(function)
            self._names[function] = found
            if found.note:
                self.ctx.note(found.note)
        return self._names[function]

    def name(self, function: str) -> str:
        """The name to call for the stub's ``function`` (the stub's own when the file has none)."""
        return self.resolved(function).name or function

    def defines(self, function: str) -> bool:
        return self.ctx.defines(self.name(function))

    @cached_property
    def _names(self) -> dict[str, Resolved]:
        return {}

    # -- calling fCE and gradCE -------------------------------------------------
    def plan(self, function: str) -> LossCall:
        """How ``function`` takes the data, w, forward-pass values and anything
        else, from its parameters' names (the stub's positions when names say
        nothing), and the numeric globals it reads."""
        if function not in self._plans:
            name = self.name(function)
            plan = plan_loss_call(self.ctx.signature(name), lambda: self.hidden)
            self._plans[function] = replace(plan, regulariser_globals=regulariser_globals(self.ctx.source, name))
        return self._plans[function]

    def required_problem(self, function: str) -> Outcome | None:
        """Why ``function`` cannot be called at all (forward-pass values nobody
        gives); None if it can. Says once how its other parameters are filled."""
        found = self.resolved(function)
        if found.problem:
            return Outcome(0.0, found.problem, hint=f"name it {function}, with the stub's parameters: "
                                                    f"{FUNCTIONS.get(function, function)}")
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
        if plan.blocks and function not in self._said_blocks:
            self._said_blocks.add(function)
            self.ctx.note(f"{self.name(function)}({describe(params)}) takes the weights as separate blocks (the stub "
                          "takes the packed w): the grader passed W1, b1, W2, b2 unpacked from w, in your shapes.")
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

    @cached_property
    def _said_blocks(self) -> set[str]:
        return set()

    def usable(self, function: str) -> bool:
        return self.defines(function) and self.required_problem(function) is None

    def call_loss(self, function: str, inst: Instance, orientation: Orientation | None = None,
                  w: np.ndarray | None = None, before: tuple[Call, ...] | list[Call] = (),
                  with_globals: dict[str, Any] | None = None, **overrides: Any) -> CallResult:
        """``function(X, Y, w, ...)`` on an instance, in the student's orientation and layout."""
        X, Y = orient(inst.X, inst.Y, orientation or self.orientation.orientation)
        weights = self.layout.pack(inst.blocks) if w is None else w
        return self.call_with(function, X, Y, weights, before=before, with_globals=with_globals, **overrides)

    def call_with(self, function: str, X: Any, Y: Any, w: Any, before: tuple[Call, ...] | list[Call] = (),
                  with_globals: dict[str, Any] | None = None, **overrides: Any) -> CallResult:
        """``function`` on data already in the student's orientation."""
        plan, name = self.plan(function), self.name(function)
        if plan.positional:
            return self.session.call(name, X, Y, w, before=tuple(before), with_globals=with_globals, **overrides)
        forward = None
        if plan.forward:
            found = self.forward_values(X, Y, w)
            if isinstance(found, CallResult):
                return found
            forward = found
        arguments = plan.arguments(X, Y, w, forward, self._blocks_of(plan, w))
        return self.session.call(name, before=tuple(before), with_globals=with_globals,
                                 **{**arguments, **overrides})

    def _blocks_of(self, plan: LossCall, w: Any) -> tuple[Any, ...]:
        """w as the separate blocks, in the student's shapes, for a function that takes them."""
        if not plan.blocks:
            return ()
        return self.layout.student_blocks(self.layout.blocks(np.asarray(w)))

    def fce_call(self, X: Any, Y: Any, w: Any) -> Call:
        """fCE on this data as a step of another request (``before=``)."""
        plan = self.plan("fCE")
        if plan.positional:
            return Call(self.name("fCE"), (X, Y, w), {})
        return Call(self.name("fCE"), (), plan.arguments(X, Y, w, blocks=self._blocks_of(plan, w)))

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
            if not self.defines(function) or self.plan(function).forward:
                continue
            result = self.call_with(function, X, Y, w)
            if result.ok and (positions := forward_positions(result.value, ours, orientation.describe() == "rows",
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
        if self.defines("gradCE") and not self.plan("gradCE").forward and self.usable("gradCE"):
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
