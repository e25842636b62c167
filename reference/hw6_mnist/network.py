"""The student's network as the hw6_mnist checks see it: the layout of w read
through the student's own pack/unpack, the random instances (networks and
data) the part (a) checks use, calling fCE/gradCE with whatever extra
arguments they require, and the orientation (examples as columns or rows) in
which the student's functions take data. Also the pack/unpack check itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.numeric import compare
from grader.grading import CheckContext, sibling
from grader.rubric import Outcome

adapt = sibling(__file__, "adapt")
solution = sibling(__file__, "solution")


BATCH_SIZES = (7, 13, 23, 31)

RTOL = 1e-4
PARTIAL = 0.5
"""Credit for a gradient block whose only fault is a recognised scale or
regularisation slip (the direction is right, the step size is not)."""

FUNCTIONS = {
    "fCE": "fCE(X, Y, w) -> float, X (784, n), Y (10, n)",
    "gradCE": "gradCE(X, Y, w) -> vector packed like w",
    "pack": "pack(W1, b1, W2, b2) -> w",
    "unpack": "unpack(w) -> (W1, b1, W2, b2)",
}

def adaptation(ctx: CheckContext, fraction: float, adapted: bool) -> float:
    """An adapted call costs what the instructor set (a note by default)."""
    return fraction * (1.0 - ctx.assignment.adaptation_penalty) if adapted else fraction

def hidden_units(ctx: CheckContext) -> int:
    if "hidden" not in ctx.shared:
        value = ctx.session.get("NUM_HIDDEN").get("NUM_HIDDEN")
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 < int(value) <= 2048 \
                and int(value) != adapt.NUM_OUTPUT:
            ctx.shared["hidden"] = int(value)
        else:
            ctx.shared["hidden"] = 40
            ctx.note("NUM_HIDDEN is missing or not a usable integer; the grader set NUM_HIDDEN = 40 for part (a).")
            ctx.session.set(NUM_HIDDEN=40)
    return int(ctx.shared["hidden"])

def detect_layout(ctx: CheckContext, hidden: int | None = None) -> tuple[Any, str]:
    """The student's layout of w for ``hidden`` units, read through their own
    unpack (or, failing that, pack); the stub's layout if neither works."""
    hidden = hidden or hidden_units(ctx)
    key = f"layout:{hidden}"
    if key in ctx.shared:
        return ctx.shared[key]
    size = adapt.size_for(hidden)
    found, how = None, "the stub's layout (your pack/unpack could not tell)"
    result = ctx.session.call("unpack", np.arange(size, dtype=np.float64))
    if result.ok:
        found = adapt.layout_from_unpacked(result.value, hidden)
        how = "read through your unpack"
    if found is None:
        for t1, t2 in ((False, False), (True, True), (True, False), (False, True)):
            numbered = adapt.Layout.standard(hidden).blocks(np.arange(size, dtype=np.float64))
            W1, b1, W2, b2 = numbered
            packed = ctx.session.call("pack", W1.T if t1 else W1, b1, W2.T if t2 else W2, b2)
            if packed.ok and (found := adapt.layout_from_packed(packed.value, hidden, t1, t2)) is not None:
                how = "read through your pack"
                break
    ctx.shared[key] = (found or adapt.Layout.standard(hidden), how if found else how)
    if found is not None and not found.canonical:
        ctx.note(f"Your w layout is {found.describe()} (not the stub's); the grader {how} and "
                 "compared gradient blocks up to that layout.")
    return ctx.shared[key]

def pack_unpack(ctx: CheckContext) -> Outcome:
    hidden = hidden_units(ctx)
    rng = ctx.rng("a.1")
    layout, how = detect_layout(ctx, hidden)
    if "stub's layout" in how:
        probe = ctx.session.call("unpack", np.zeros(adapt.size_for(hidden)))
        if not probe.ok:
            return call_failed(probe, signature=FUNCTIONS["unpack"])
        return Outcome(0.0, f"unpack(w) of a vector of length {adapt.size_for(hidden)} (NUM_HIDDEN = {hidden}) "
                            "did not return the 4 blocks (W1, b1, W2, b2) with every entry of w used exactly once",
                       hint="unpack must return W1 (NUM_HIDDEN, 784), b1, W2 (10, NUM_HIDDEN), b2 cut from w")
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
                            "gives back W1, b1, W2, b2")
    back = ctx.session.call("unpack", packed.value)
    norm = adapt.normalise_blocks(back.value, hidden) if back.ok else None
    if norm is None or not all(np.allclose(a, b) for a, b in zip(norm[0], blocks)):
        return Outcome(0.5, "unpack(pack(W1, b1, W2, b2)) does not give back W1, b1, W2, b2")
    text = f"unpack(pack(W1, b1, W2, b2)) round trip exact (NUM_HIDDEN = {hidden}); layout: {layout.describe()}"
    return Outcome(adaptation(ctx, 1.0, not layout.canonical), text)

@dataclass(frozen=True)
class Instance:
    X: np.ndarray      # (784, n)
    Y: np.ndarray      # (10, n)
    blocks: tuple[np.ndarray, ...]
    w: np.ndarray      # canonical packing (the reference's)

    @property
    def n(self) -> int:
        return self.X.shape[1]

def instances(ctx: CheckContext) -> list[Instance]:
    if "instances" not in ctx.shared:
        hidden = hidden_units(ctx)
        rng = ctx.rng("a.instances")
        found = []
        for n in BATCH_SIZES:
            n = n + 1 if n == hidden else n
            X = rng.random((784, n)) * (rng.random((784, n)) < 0.3)          # sparse, like digits
            Y = np.eye(10)[:, rng.integers(0, 10, n)]
            blocks = (rng.normal(0, 2 / np.sqrt(784), (hidden, 784)), rng.normal(0, 0.3, hidden),
                      rng.normal(0, 2 / np.sqrt(hidden), (10, hidden)), rng.normal(0, 0.3, 10))
            found.append(Instance(X, Y, blocks, solution.pack(*blocks)))
        ctx.shared["instances"] = found
    return ctx.shared["instances"]

def extra_values(ctx: CheckContext, function: str) -> tuple[dict[str, Any], list[str]]:
    """Keyword arguments beyond (X, Y, w): regularisation set to 0, hidden
    units to NUM_HIDDEN. Required parameters the grader cannot fill are listed."""
    params = ctx.imported.functions.get(function) or []
    extra, unknown = {}, []
    for p in params[3:]:
        if p["kind"] in ("VAR_POSITIONAL", "VAR_KEYWORD") or p["default"]:
            continue
        r = adapt.role(p["name"])
        if r == "alpha":
            extra[p["name"]] = 0.0
        elif r == "hidden":
            extra[p["name"]] = hidden_units(ctx)
        else:
            unknown.append(p["name"])
    return extra, unknown

def call_loss(ctx: CheckContext, function: str, inst: Instance, orientation: str, layout: Any,
              w: np.ndarray | None = None) -> Any:
    extra, _ = extra_values(ctx, function)
    X, Y = adapt.orient(inst.X, inst.Y, orientation)
    return ctx.session.call(function, X, Y, layout.pack(inst.blocks) if w is None else w, **extra)

def required_problem(ctx: CheckContext, function: str) -> Outcome | None:
    extra, unknown = extra_values(ctx, function)
    if unknown:
        params = ctx.imported.functions.get(function) or []
        found = ", ".join(p["name"] for p in params)
        return Outcome(0.0, f"{function}({found}) has required parameters the grader cannot fill "
                            f"({', '.join(unknown)}); expected {FUNCTIONS[function]}",
                       hint=f"give extra parameters of {function} default values")
    if extra:
        ctx.note(f"{function} has required extra parameters ({', '.join(extra)}); the grader passed "
                 f"{', '.join(f'{k}={v}' for k, v in extra.items())} (the unregularised value).")
    return None

def student_gradient(value: Any, layout: Any) -> tuple[tuple[np.ndarray, ...] | None, np.ndarray | None, str | None]:
    """Canonical gradient blocks and the raw packed vector from gradCE's value."""
    vector, note = adapt.packed_vector(value, layout.size)
    if vector is not None:
        return layout.blocks(vector), vector, note
    norm = adapt.normalise_blocks(value, layout.hidden)
    if norm is not None:
        return norm[0], layout.pack(norm[0]), "returned the 4 gradient blocks instead of one packed vector"
    return None, None, None

def _gradient_orientation(ctx: CheckContext, layout: Any) -> str:
    inst = instances(ctx)[0]
    want = solution.gradCE(inst.X, inst.Y, inst.w)
    usable = None
    for candidate in adapt.ORIENTATIONS:
        result = call_loss(ctx, "gradCE", inst, candidate, layout)
        if result.ok:
            blocks, _, _ = student_gradient(result.value, layout)
            if blocks is not None and np.allclose(solution.pack(*blocks), want, rtol=RTOL, atol=1e-9):
                ctx.shared["orientation"] = candidate
                return candidate
            if blocks is not None and usable is None and all(np.isfinite(b).all() for b in blocks):
                usable = candidate
    return usable or "columns"

def data_orientation(ctx: CheckContext) -> str:
    """How the student's functions take data, for items that run before (or
    without) the fCE item: fCE's orientation check, else gradCE's, else the
    first orientation in which gradCE returns a finite gradient of w's size."""
    known = ctx.shared.get("orientation") or ctx.shared.get("orientation_guess")
    if known:
        return known
    layout, _ = detect_layout(ctx)
    inst = instances(ctx)[0]
    if ctx.defines("fCE") and required_problem(ctx, "fCE") is None:
        want = solution.fCE(inst.X, inst.Y, inst.w)
        for candidate in adapt.ORIENTATIONS:
            result = call_loss(ctx, "fCE", inst, candidate, layout)
            value = adapt.scalar(result.value)[0] if result.ok else None
            if value is not None and np.isclose(value, want, rtol=RTOL):
                ctx.shared["orientation"] = candidate
                return candidate
            if value is not None and np.isfinite(value):
                ctx.shared.setdefault("orientation_guess", candidate)
        if ctx.shared.get("orientation_guess"):
            return ctx.shared["orientation_guess"]
    if ctx.defines("gradCE") and required_problem(ctx, "gradCE") is None:
        found = _gradient_orientation(ctx, layout)
        ctx.shared.setdefault("orientation_guess", found)
        return ctx.shared.get("orientation") or found
    return "columns"
