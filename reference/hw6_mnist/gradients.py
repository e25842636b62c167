"""Part (a) checks of hw6_mnist that need no data set: pack/unpack, fCE,
gradCE block by block, and finite differences.

Hidden instances are random networks (weights N(0, 2/sqrt(fan_in)), so that
some hidden units are active and some are not) on random image-like data.
Expected values come from the reference; a wrong gradient block is compared
with the gradients the usual mistakes produce, so the feedback can name the
mistake in course terms.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.numeric import compare
from grader.grading import CheckContext, load_module
from grader.rubric import Outcome


def _sibling(name: str) -> Any:
    key = f"grader_reference_hw6_mnist_{name}"
    return sys.modules.get(key) or load_module(Path(__file__).with_name(f"{name}.py"), key)


adapt = _sibling("adapt")
solution = _sibling("solution")

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


# -- the layout of w ----------------------------------------------------------
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


# -- cases ---------------------------------------------------------------------------
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


def _extra_values(ctx: CheckContext, function: str) -> tuple[dict[str, Any], list[str]]:
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
    extra, _ = _extra_values(ctx, function)
    X, Y = adapt.orient(inst.X, inst.Y, orientation)
    return ctx.session.call(function, X, Y, layout.pack(inst.blocks) if w is None else w, **extra)


def _required_problem(ctx: CheckContext, function: str) -> Outcome | None:
    extra, unknown = _extra_values(ctx, function)
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


def fce(ctx: CheckContext) -> Outcome:
    problem = _required_problem(ctx, "fCE")
    if problem is not None:
        return problem
    layout, _ = detect_layout(ctx)
    cases = instances(ctx)
    orientation = ctx.shared.get("orientation")
    order = [orientation] if orientation else list(adapt.ORIENTATIONS)
    tupled = False
    first = cases[0]
    want = solution.fCE(first.X, first.Y, first.w)
    best_fail = None
    for candidate in order:
        result = call_loss(ctx, "fCE", first, candidate, layout)
        if not result.ok:
            if result.error is not None and result.error.kind in ("missing", "budget", "timeout"):
                return call_failed(result, signature=FUNCTIONS["fCE"])
            if result.error is not None and result.error.exc_type == "NotImplementedError":
                return call_failed(result)
            best_fail = best_fail or result
            continue
        value, tupled = adapt.scalar(result.value)
        if value is not None and np.isclose(value, want, rtol=RTOL):
            orientation = candidate
            break
        if orientation is None and value is not None and np.isfinite(value):
            ctx.shared.setdefault("orientation_guess", candidate)
    else:
        orientation = ctx.shared.get("orientation_guess")
        if orientation is None:
            return call_failed(best_fail, signature=FUNCTIONS["fCE"]) if best_fail is not None else \
                Outcome(0.0, "fCE did not return a number in any data orientation (examples as columns or rows)")
    ctx.shared["orientation"] = orientation
    if orientation != "columns":
        ctx.note(f"Your functions take the data with {'examples as rows' if orientation == 'rows' else orientation} "
                 "(the stub has examples as columns: X (784, n), Y (10, n)); the grader passed it that way "
                 "throughout.")
    right, failures = 0, []
    for i, inst in enumerate(cases):
        result = call_loss(ctx, "fCE", inst, orientation, layout)
        if not result.ok:
            failures.append(f"n = {inst.n}: {call_failed(result).output}")
            continue
        value, tupled_here = adapt.scalar(result.value)
        tupled = tupled or tupled_here
        want = solution.fCE(inst.X, inst.Y, inst.w)
        if value is None:
            failures.append(f"n = {inst.n}: returned {type(result.value).__name__}, not a number")
        elif np.isclose(value, want, rtol=RTOL):
            right += 1
        elif (zeroed := _default_regulariser(ctx, "fCE", inst, orientation, layout, want)) is not None:
            right += PARTIAL
            failures.append(f"n = {inst.n}: got {value:.6g}, expected {want:.6g}: fCE includes a regularisation "
                            f"term by default ({zeroed} defaults to non-zero; correct with {zeroed}=0): fCE(X, Y, w) "
                            "must return the unregularised cross-entropy")
        else:
            failures.append(f"n = {inst.n}: {_loss_mistake(value, inst, want)}")
    if tupled:
        ctx.note("fCE returns a tuple; the grader used its first item as the loss (the stub returns the number).")
    adapted = tupled or orientation != "columns" or not layout.canonical
    fraction = adaptation(ctx, right / len(cases), adapted)
    if not failures:
        return Outcome(fraction, f"fCE matches the reference on {len(cases)} random networks (n = "
                                 f"{', '.join(str(c.n) for c in cases)})")
    hint = "fCE = -(1/n) sum_i sum_k Y[k, i] log yhat[k, i], with a softmax per example (column)"
    if any("regularisation term by default" in f for f in failures):
        hint = "leave regularisation out of fCE (or default it to 0): fCE is the unregularised cross-entropy"
    return Outcome(fraction, f"fCE: {right:g} of {len(cases)} random networks correct. " + "; ".join(failures[:3]),
                   hint=hint)


def _default_regulariser(ctx: CheckContext, function: str, inst: Instance, orientation: str, layout: Any,
                         want: float) -> str | None:
    """The name of a regularisation parameter with a non-zero default that,
    set to 0, makes the loss right; None if there is none or it does not."""
    params = ctx.imported.functions.get(function) or []
    names = [p["name"] for p in params[3:] if p["default"] and adapt.role(p["name"]) == "alpha"]
    if not names:
        return None
    extra, _ = _extra_values(ctx, function)
    X, Y = adapt.orient(inst.X, inst.Y, orientation)
    again = ctx.session.call(function, X, Y, layout.pack(inst.blocks), **extra, **{n: 0.0 for n in names})
    value = adapt.scalar(again.value)[0] if again.ok else None
    return names[0] if value is not None and np.isclose(value, want, rtol=RTOL) else None


def _loss_mistake(value: float, inst: Instance, want: float) -> str:
    text = f"got {value:.6g}, expected {want:.6g}"
    if not np.isfinite(value):
        return text + " (not finite: an overflow in exp or log(0)?)"
    if np.isclose(value, want * inst.n, rtol=RTOL):
        return text + ": n times too large, the loss must be averaged over the examples, not summed"
    W1, b1, W2, b2 = inst.blocks
    z2 = W2 @ np.maximum(W1 @ inst.X + b1[:, None], 0) + b2[:, None]
    glob = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    if np.isclose(value, -np.sum(inst.Y * np.log(glob)) / inst.n, rtol=RTOL):
        return text + ": the softmax is normalised over the whole matrix instead of per example (column)"
    return text


# -- gradients -------------------------------------------------------------------------
def _variants(inst: Instance) -> dict[str, tuple[np.ndarray, ...]]:
    """Gradients the usual mistakes produce (canonical blocks, averaged)."""
    W1, b1, W2, b2 = inst.blocks
    X, Y, n = inst.X, inst.Y, inst.n
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]

    def grads(yhat: np.ndarray, dmask: np.ndarray, h_for_w2: np.ndarray) -> tuple[np.ndarray, ...]:
        delta = (yhat - Y) / n
        g = (W2.T @ delta) * dmask
        return g @ X.T, g.sum(1), delta @ h_for_w2.T, delta.sum(1)

    yhat = solution.softmax(z2)
    glob = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    mask = (z1 > 0).astype(float)
    return {
        "relu' taken as the sign of z1 (it must be 1 where z1 > 0 and 0 elsewhere, never -1)": grads(yhat, np.sign(z1), h1),
        "relu' missing (the hidden layer's gradient must be masked by relu'(z1))": grads(yhat, np.ones_like(z1), h1),
        "relu' computed in place: it overwrote the activations h1, so dW2 used relu'(z1) instead of h1":
            grads(yhat, mask, mask),
        "the softmax is normalised over the whole matrix instead of per example (column)": grads(glob, mask, h1),
    }


@dataclass(frozen=True)
class BlockVerdict:
    credit: float
    message: str
    mistake: str | None = None


def _judge_block(k: int, got: np.ndarray, raw_segment: np.ndarray, inst: Instance, want: np.ndarray,
                 variants: dict[str, tuple[np.ndarray, ...]]) -> BlockVerdict:
    name = "d" + adapt.BLOCKS[k]
    tol = dict(rtol=RTOL, atol=1e-6 * max(1e-12, float(np.abs(want).max())))
    found = compare(got, want, factors={"the batch size n": inst.n}, **tol)
    if found.ok:
        return BlockVerdict(1.0, f"{name} {found.message}")
    if found.mistake == "nan":
        return BlockVerdict(0.0, f"{name} {found.message}", "nan")
    if found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, inst.n, rtol=1e-3):
        return BlockVerdict(PARTIAL, f"{name} is n times too large (n = {inst.n})", "summed")
    if k in (0, 2) and want.ndim == 2:
        other = raw_segment.reshape(want.shape[::-1]).T
        if np.allclose(other, want, **tol):
            return BlockVerdict(PARTIAL, f"{name} is packed transposed: gradCE stores it as "
                                         f"{want.shape[::-1]} but your unpack reads that block as {want.shape}",
                                "transposed")
    param = inst.blocks[k]
    diff = got - want
    denom = float(np.sum(param * param))
    if denom > 0:
        coef = float(np.sum(diff * param) / denom)
        if abs(coef) > 1e-9 and np.allclose(got, want + coef * param, **tol):
            if k in (1, 3):
                return BlockVerdict(0.0, f"{name} includes a regularisation term {coef:.3g} * {adapt.BLOCKS[k]}: "
                                         "biases are not regularised", "bias-regularised")
            return BlockVerdict(PARTIAL, f"{name} includes a regularisation term {coef:.3g} * "
                                         f"{adapt.BLOCKS[k]}", "regularised")
    for mistake, grads in variants.items():
        if np.allclose(got, grads[k], **tol) and not np.allclose(grads[k], want, **tol):
            return BlockVerdict(0.0, f"{name} is wrong: {mistake}", mistake)
    return BlockVerdict(0.0, f"{name} {found.message}")


def _student_gradient(value: Any, layout: Any) -> tuple[tuple[np.ndarray, ...] | None, np.ndarray | None, str | None]:
    """Canonical gradient blocks and the raw packed vector from gradCE's value."""
    vector, note = adapt.packed_vector(value, layout.size)
    if vector is not None:
        return layout.blocks(vector), vector, note
    norm = adapt.normalise_blocks(value, layout.hidden)
    if norm is not None:
        return norm[0], layout.pack(norm[0]), "returned the 4 gradient blocks instead of one packed vector"
    return None, None, None


def gradient_verdicts(ctx: CheckContext) -> Outcome | list[list[BlockVerdict]]:
    """Per block (W1, b1, W2, b2), one verdict per random instance; computed
    once and shared by the four block items."""
    if "gradients" in ctx.shared:
        return ctx.shared["gradients"]
    problem = _required_problem(ctx, "gradCE")
    if problem is not None:
        ctx.shared["gradients"] = problem
        return problem
    layout, _ = detect_layout(ctx)
    orientation = ctx.shared.get("orientation") or ctx.shared.get("orientation_guess")
    if orientation is None:
        orientation = _gradient_orientation(ctx, layout)
    verdicts: list[list[BlockVerdict]] = [[] for _ in adapt.BLOCKS]
    notes = set()
    for inst in instances(ctx):
        result = call_loss(ctx, "gradCE", inst, orientation, layout)
        if not result.ok:
            outcome = call_failed(result, signature=FUNCTIONS["gradCE"])
            if result.error is not None and result.error.kind in ("missing", "budget") or \
                    result.error.exc_type == "NotImplementedError":
                ctx.shared["gradients"] = outcome
                return outcome
            row = _after_fce(ctx, inst, orientation, layout, solution.unpack(
                solution.gradCE(inst.X, inst.Y, inst.w))) or [BlockVerdict(0.0, outcome.output, "error")] * 4
            for k in range(4):
                verdicts[k].append(row[k])
            continue
        blocks, raw, note = _student_gradient(result.value, layout)
        if note:
            notes.add(note)
        if blocks is None:
            for k in range(4):
                verdicts[k].append(BlockVerdict(0.0, f"gradCE returned {type(result.value).__name__} "
                                                     f"that is not a vector of length {layout.size} like w"))
            continue
        want = solution.unpack(solution.gradCE(inst.X, inst.Y, inst.w))
        variants = _variants(inst)
        row = [_judge_block(k, blocks[k], raw[np.sort(layout.index[k].ravel())], inst, want[k], variants)
               for k in range(4)]
        if all(v.credit < 1 for v in row):
            row = _after_fce(ctx, inst, orientation, layout, want) or row
        if any(v.mistake == "regularised" for v in row):
            row = _confirm_zero_regularisation(ctx, inst, orientation, layout, want, row)
        for k in range(4):
            verdicts[k].append(row[k])
    for note in notes:
        ctx.note(f"gradCE {note}.")
    ctx.shared["gradients"] = verdicts
    return verdicts


def _gradient_orientation(ctx: CheckContext, layout: Any) -> str:
    inst = instances(ctx)[0]
    want = solution.gradCE(inst.X, inst.Y, inst.w)
    usable = None
    for candidate in adapt.ORIENTATIONS:
        result = call_loss(ctx, "gradCE", inst, candidate, layout)
        if result.ok:
            blocks, _, _ = _student_gradient(result.value, layout)
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
    if ctx.defines("fCE") and _required_problem(ctx, "fCE") is None:
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
    if ctx.defines("gradCE") and _required_problem(ctx, "gradCE") is None:
        found = _gradient_orientation(ctx, layout)
        ctx.shared.setdefault("orientation_guess", found)
        return ctx.shared.get("orientation") or found
    return "columns"


def _after_fce(ctx: CheckContext, inst: Instance, orientation: str, layout: Any,
               want: tuple[np.ndarray, ...]) -> list[BlockVerdict] | None:
    """A gradient that is only right right after fCE ran on the same data
    keeps state in globals."""
    if not ctx.defines("fCE") or not call_loss(ctx, "fCE", inst, orientation, layout).ok:
        return None
    again = call_loss(ctx, "gradCE", inst, orientation, layout)
    blocks = _student_gradient(again.value, layout)[0] if again.ok else None
    if blocks is None or not all(np.allclose(b, t, rtol=RTOL, atol=1e-9) for b, t in zip(blocks, want)):
        return None
    message = ("gradCE is only right when fCE has just run on the same data: it reads values fCE left in "
               "globals. Compute z1, h1 and yhat inside gradCE")
    return [BlockVerdict(0.0, message, "state") for _ in range(4)]


def _confirm_zero_regularisation(ctx: CheckContext, inst: Instance, orientation: str, layout: Any,
                                 want: tuple[np.ndarray, ...], row: list[BlockVerdict]) -> list[BlockVerdict]:
    params = ctx.imported.functions.get("gradCE") or []
    names = [p["name"] for p in params[3:] if p["default"] and adapt.role(p["name"]) == "alpha"]
    if not names:
        return [BlockVerdict(v.credit, v.message + " (regularisation applied inside gradCE: gradCE must return "
                                                    "the unregularised gradient; train adds alpha * W)", v.mistake)
                for v in row]
    X, Y = adapt.orient(inst.X, inst.Y, orientation)
    again = ctx.session.call("gradCE", X, Y, layout.pack(inst.blocks), **{name: 0.0 for name in names})
    blocks = _student_gradient(again.value, layout)[0] if again.ok else None
    fixed = blocks is not None and all(np.allclose(b, t, rtol=RTOL, atol=1e-9) for b, t in zip(blocks, want))
    suffix = (f" by default ({', '.join(names)} defaults to non-zero; correct with {names[0]}=0): gradCE(X, Y, w) "
              "must return the unregularised gradient" if fixed else "")
    return [BlockVerdict(v.credit, v.message + suffix, v.mistake) for v in row]


def _summary_message(k: int, verdicts: list[list[BlockVerdict]]) -> str | None:
    """Course-terms message for a mistake seen across blocks."""
    mistakes = [{v.mistake for v in block} for block in verdicts]
    if "summed" in mistakes[0] and "summed" in mistakes[2] and mistakes[1] == {None} and mistakes[3] == {None} \
            and all(v.credit == 1 for v in verdicts[1] + verdicts[3]):
        return ("dW1 and dW2 are n times too large: the batch gradient must be averaged, as b1 and b2 "
                "already are")
    if all("summed" in m for m in mistakes):
        return "every block is n times too large: the batch gradient must be averaged over the n examples"
    return None


def grade_block(ctx: CheckContext, k: int) -> Outcome:
    verdicts = gradient_verdicts(ctx)
    if isinstance(verdicts, Outcome):
        return verdicts
    layout, _ = detect_layout(ctx)
    mine = verdicts[k]
    credit = sum(v.credit for v in mine) / len(mine)
    name = "d" + adapt.BLOCKS[k]
    adapted = not layout.canonical or ctx.shared.get("orientation", "columns") != "columns"
    if credit >= 1:
        return Outcome(adaptation(ctx, 1.0, adapted), f"{name} matches the reference on {len(mine)} random networks "
                                                      "(reference verified against finite differences)")
    wrong = [v for v in mine if v.credit < 1]
    summary = _summary_message(k, verdicts)
    text = summary if summary and any(v.mistake == "summed" for v in wrong) else wrong[0].message
    hint = {
        "summed": "divide by the number of examples n in every gradient block",
        "regularised": "leave regularisation to train: gradCE returns the gradient of fCE only",
        "bias-regularised": "regularise the weights only: grad_W += alpha W, the biases get no term",
        "transposed": "pack the gradient exactly as pack packs w: the gradient of W1 has W1's shape",
        "nan": "the gradient has NaN/inf: shift the logits by their max before exp in the softmax",
    }.get(wrong[0].mistake or "", "g^T = ((yhat - y)^T W2) * relu'(z1^T); grad_W1 = g x^T, grad_W2 = (yhat - y) h1^T, "
                                   "averaged over the batch")
    return Outcome(adaptation(ctx, credit, adapted),
                   f"{name}: {len(mine) - len(wrong)} of {len(mine)} random networks correct. {text}", hint=hint)


# -- finite differences ------------------------------------------------------------------
def finite_differences(ctx: CheckContext) -> Outcome:
    """Directional derivatives of your fCE against your gradCE, block by block."""
    for function in ("fCE", "gradCE"):
        problem = _required_problem(ctx, function)
        if problem is not None:
            return problem
    layout, _ = detect_layout(ctx)
    orientation = ctx.shared.get("orientation") or ctx.shared.get("orientation_guess") or "columns"
    inst = instances(ctx)[0]
    rng = ctx.rng("a.7")
    w = layout.pack(inst.blocks)
    grad = call_loss(ctx, "gradCE", inst, orientation, layout)
    if not grad.ok:
        outcome = call_failed(grad, signature=FUNCTIONS["gradCE"])
        verdicts = ctx.shared.get("gradients")
        if isinstance(verdicts, list) and any(v.mistake == "state" for block in verdicts for v in block):
            return Outcome(0.0, f"{outcome.output} (gradCE used values fCE left in globals from other data: "
                                "gradCE must compute z1, h1 and yhat itself)", hint=outcome.hint)
        return outcome
    vector, _ = adapt.packed_vector(grad.value, layout.size)
    if vector is None:
        norm = adapt.normalise_blocks(grad.value, layout.hidden)
        if norm is None:
            return Outcome(0.0, f"gradCE did not return a vector of length {layout.size} like w")
        vector = layout.pack(norm[0])
    agree, lines = 0, []
    eps = 1e-4
    for k, name in enumerate(adapt.BLOCKS):
        ok = True
        for _ in range(2):
            direction = np.zeros(layout.size)
            positions = layout.index[k].ravel()
            step = rng.normal(size=positions.size)
            direction[positions] = step / np.linalg.norm(step)
            values, dtype_eps = [], 2.2e-16
            for sign in (1, -1):
                result = call_loss(ctx, "fCE", inst, orientation, layout, w=w + sign * eps * direction)
                value, _ = adapt.scalar(result.value) if result.ok else (None, False)
                values.append(value)
                dtype_eps = max(dtype_eps, _float_eps(result.value)) if result.ok else dtype_eps
            if any(v is None for v in values):
                return Outcome(0.0, "fCE did not return a number, so gradCE cannot be checked against it")
            numeric = (values[0] - values[1]) / (2 * eps)
            analytic = float(vector @ direction)
            tol = 1e-3 * max(abs(numeric), abs(analytic)) + 1e-6 + 8 * dtype_eps * abs(values[0]) / eps
            if not (np.isfinite(numeric) and abs(numeric - analytic) <= tol):
                ok = False
                lines.append(f"{name}: finite difference {numeric:.6g} vs gradCE {analytic:.6g}")
                break
        agree += ok
    if agree == 4:
        return Outcome(1.0, "gradCE agrees with central differences of your fCE along random directions in "
                            "W1, b1, W2 and b2 (scipy.optimize.check_grad would agree)")
    return Outcome(agree / 4, f"{4 - agree} of 4 blocks disagree with finite differences of your own fCE: "
                              + "; ".join(lines), hint="check_grad(fCE, gradCE, w) should be near 0: the gradient "
                                                       "of the loss you compute is not what gradCE returns")


def _float_eps(value: Any) -> float:
    """Machine epsilon of the float type fCE computed in (float32 losses are noisier)."""
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    dtype = getattr(value, "dtype", None)
    return float(np.finfo(dtype).eps) if dtype is not None and dtype.kind == "f" else 2.2e-16
