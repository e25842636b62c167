"""Part 1 of gd_shallow: gradient descent on f(x) = x^4/4 - 3x^3 + 7x - 5.

The student's iterates and values are compared rate by rate with the
expected trajectory (published for the course's rates in
public_checks.toml, computed by the reference for the hidden cases), and the
usual slips are named: a step uphill (x + lr f'(x)), a first step that is
not -lr f'(x0), a trajectory without its starting point, values that are not
f at the iterates. The best learning rate is judged on the values: the rate
that reaches the lowest value in the fewest iterations, by the correct
values and by the student's own. This half ships to students, so it holds
answers and judging rules, never the algorithm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.numeric import as_array
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome

TOLERANCE = 1e-6
"""Relative tolerance on iterates and values (float64 arithmetic, 30 steps)."""
NEAR_MINIMUM = 1e-4
"""A trajectory has reached the minimum once f is within this of the lowest value."""
COURSE_HINT = "x_{k+1} = x_k - learning_rate * f'(x_k) with f'(x) = x^3 - 9x^2 + 7, starting from x_0 = x0"
SIGNATURE = "gradient_descent(x0, learning_rate, iterations) -> (xs, values)"


def steps_to_minimum(values: np.ndarray, lowest: float) -> int | None:
    """The first iteration whose value is within NEAR_MINIMUM of ``lowest``."""
    with np.errstate(invalid="ignore"):
        close = np.flatnonzero(np.isfinite(values) & (values - lowest < NEAR_MINIMUM))
    return int(close[0]) if close.size else None


def best_rate(runs: dict[float, np.ndarray]) -> tuple[float | None, dict[float, int | None]]:
    """The rate whose values reach the lowest value first, and each rate's iteration count."""
    finite = [float(np.nanmin(v[np.isfinite(v)])) for v in runs.values() if np.isfinite(v).any()]
    if not finite:
        return None, {lr: None for lr in runs}
    lowest = min(finite)
    steps = {lr: steps_to_minimum(v, lowest) for lr, v in runs.items()}
    reached = {lr: k for lr, k in steps.items() if k is not None}
    return (min(reached, key=lambda lr: reached[lr]) if reached else None), steps


@dataclass(frozen=True)
class Descent:
    """What gradient_descent returned, read as iterates and values."""

    xs: np.ndarray | None
    values: np.ndarray | None
    note: str | None = None
    problem: Outcome | None = None


def read_descent(value: Any, iterations: int) -> Descent:
    """(xs, values) from a tuple or dict; one array alone is kept as both
    candidates and judged against each (iterates only, or values only)."""
    if isinstance(value, dict):
        keys = {str(k).lower(): v for k, v in value.items()}
        xs = next((keys[k] for k in ("xs", "x", "iterates", "points") if k in keys), None)
        fs = next((keys[k] for k in ("values", "fs", "f", "ys", "y", "losses") if k in keys), None)
        value = (xs, fs)
    if isinstance(value, (tuple, list)) and len(value) == 2 and not np.isscalar(value[0]):
        xs, _ = as_array(value[0])
        fs, _ = as_array(value[1])
        if xs is not None and fs is not None:
            return Descent(xs.ravel(), fs.ravel())
    array, problem = as_array(value)
    if array is None or array.ndim == 0:
        return Descent(None, None, problem=Outcome(0.0, f"gradient_descent returned {type(value).__name__}; "
                                                        f"expected {SIGNATURE}", hint=COURSE_HINT))
    if array.ndim == 2 and 2 in array.shape and array.size != 2:
        pair = array if array.shape[0] == 2 else array.T
        return Descent(pair[0].ravel(), pair[1].ravel(), note="returned one (2, n) array; read as xs, values")
    return Descent(array.ravel(), array.ravel(), note="returned one array, not (xs, values)")


@dataclass(frozen=True)
class Judged:
    credit: float
    message: str
    mistakes: tuple[str, ...] = ()
    values: np.ndarray | None = None
    """The student's values as the grader read them (for the best-rate check)."""
    unimplemented: Outcome | None = None
    """The call's outcome when gradient_descent is still the stub's."""


def unimplemented(judged: Sequence[Judged]) -> Outcome | None:
    """The stub's outcome when every call met an unimplemented gradient_descent."""
    return judged[0].unimplemented if judged and all(j.unimplemented for j in judged) else None


@dataclass(frozen=True)
class Expected:
    """A case and its answer: the iterates, their values, and where a step
    uphill (x0 + lr f'(x0)) would land first."""

    x0: float
    lr: float
    iterations: int
    xs: np.ndarray
    values: np.ndarray
    uphill_first: float


def published(public: Any) -> dict[float, Expected]:
    """The course's three runs from x0 = 0, as public_checks.toml publishes them."""
    x0, iterations = float(public["x0"]), int(public["iterations"])
    slope = float(public["grad_f"][list(public["points"]).index(x0)])
    return {float(lr): Expected(x0, float(lr), iterations, np.array(run["xs"]), np.array(run["values"]),
                                x0 + float(lr) * slope)
            for lr, run in ((lr, public["runs"][str(lr)]) for lr in public["learning_rates"])}


def judge_descent(ctx: CheckContext, case: Expected) -> Judged:
    """One gradient_descent call against the expected trajectory: half the
    credit for the iterates, half for the values."""
    x0, lr, iterations = case.x0, case.lr, case.iterations
    result = ctx.session.call("gradient_descent", x0, lr, iterations)
    if not result.ok:
        failed = call_failed(result, signature=SIGNATURE)
        return Judged(0.0, f"lr {lr:g}: {failed.output}", ("error",),
                      unimplemented=failed if failed.not_implemented else None)
    found = read_descent(result.value, iterations)
    if found.problem is not None:
        return Judged(0.0, found.problem.output, ("type",))
    want, want_f = case.xs, case.values
    label = f"x0 {x0:g}, lr {lr:g}, {iterations} iterations"
    xs, fs = _align(found.xs, want), _align(found.values, want_f)
    notes = [n for n in (found.note, xs[1] or fs[1]) if n]
    iterates_ok, values_ok = _close(xs[0], want), _close(fs[0], want_f)
    if found.note == "returned one array, not (xs, values)":
        iterates_ok, values_ok = iterates_ok and not values_ok, values_ok
    credit = 0.5 * iterates_ok + 0.5 * values_ok
    said = f"{label}: " + ("iterates and values match" if credit == 1 else
                           "iterates match, values do not" if iterates_ok else
                           "values match, iterates do not" if values_ok else "wrong")
    if notes:
        said += f" ({'; '.join(notes)})"
    if credit == 1:
        return Judged(1.0, said, values=fs[0])
    mistakes: list[str] = []
    got = xs[0]
    if got is not None and got.size > 1 and np.isclose(got[1], case.uphill_first, rtol=TOLERANCE) and \
            not np.isclose(case.uphill_first, want[1], rtol=TOLERANCE):
        said += ": the step goes uphill (x + lr f'(x)); gradient descent moves against the gradient"
        mistakes.append("ascent")
    elif got is not None and got.size != want.size:
        said += f": {got.size} iterates, expected {want.size} (x_0 and {iterations} steps)"
        mistakes.append("count")
    elif got is not None and got[0] == want[0] and not _close(got[1:2], want[1:2]):
        said += f": the first step lands at {got[1]:.6g}, expected {want[1]:.6g} (check grad_f)"
        mistakes.append("derivative")
    elif iterates_ok and fs[0] is not None and got is not None and not _close(fs[0], own_f(ctx, got)):
        said += ": the values are not your f at your iterates"
        mistakes.append("values")
    return Judged(credit, said, tuple(mistakes), values=fs[0])


def _align(got: np.ndarray | None, want: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """A trajectory that leaves out x_0 is read from x_1 on (said); anything else as it is."""
    if got is None:
        return None, None
    if got.size == want.size - 1 and _close(got, want[1:]):
        return np.concatenate([want[:1], got]), "the trajectory leaves out x_0; read from x_1 on"
    return got, None


def _close(got: np.ndarray | None, want: np.ndarray) -> bool:
    if got is None or got.shape != want.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(got, want, rtol=TOLERANCE, atol=1e-9, equal_nan=True))


# -- 1.1 f and grad_f at the published points -------------------------------------------------
@check
def functions_at_points(ctx: CheckContext) -> Outcome:
    public = ctx.public["part1"]
    points = [float(p) for p in public["points"]]
    parts, lines, mistakes = [], [], []
    found = {name: evaluate_at(ctx, name, points) for name in ("f", "grad_f")}
    stubs = [got for got in found.values() if isinstance(got, Outcome) and got.not_implemented]
    if len(stubs) == 2:
        return Outcome(0.0, "f and grad_f are not implemented yet", hint="implement f and grad_f",
                       not_implemented="f")
    for name, want in (("f", public["f"]), ("grad_f", public["grad_f"])):
        got = found[name]
        if isinstance(got, Outcome):
            parts.append(0.0)
            lines.append(f"{name}: {got.output}")
            continue
        right = np.isclose(got, want, rtol=1e-9, atol=1e-9)
        parts.append(float(right.mean()))
        if right.all():
            lines.append(f"{name} matches at x = {', '.join(f'{p:g}' for p in points)}")
        else:
            i = int(np.flatnonzero(~right)[0])
            lines.append(f"{name}({points[i]:g}) = {got[i]:.10g}, expected {want[i]:.10g}")
    if parts[1] < 1 and parts[0] == 1:
        lines.append("f' of x^4/4 - 3x^3 + 7x - 5 is x^3 - 9x^2 + 7")
        mistakes.append("derivative")
    return Outcome(sum(parts) / 2, "; ".join(lines), mistakes=tuple(mistakes),
                   hint=None if min(parts) == 1 else "f(x) = x^4/4 - 3x^3 + 7x - 5 and f'(x) = x^3 - 9x^2 + 7, "
                                                      "elementwise on arrays")


# -- 1.2 the course's three rates from x0 = 0 ------------------------------------------------
@check
def descent_course_rates(ctx: CheckContext) -> Outcome:
    judged = ctx.fact(course_runs)
    stub = unimplemented(list(judged.values()))
    if stub is not None:
        return stub
    credit = sum(j.credit for j in judged.values()) / len(judged)
    mistakes = tuple(dict.fromkeys(m for j in judged.values() for m in j.mistakes))
    return Outcome(credit, "; ".join(j.message for j in judged.values()), mistakes=mistakes,
                   hint=None if credit == 1 else COURSE_HINT)


# -- 1.4 and 1.5 what find_local_minimum reports --------------------------------------------
def read_report(value: Any) -> tuple[float | None, float | None, float | None]:
    """(x, f, best learning rate) from a dict (any of the usual key names) or a 3-tuple in that order."""
    if isinstance(value, dict):
        keys = {str(k).lower().replace("_", ""): v for k, v in value.items()}

        def pick(*names: str) -> float | None:
            for name in names:
                if name in keys:
                    number, _ = as_array(keys[name])
                    return float(number.ravel()[0]) if number is not None and number.size == 1 else None
            return None

        return (pick("x", "xmin", "minimumx", "argmin", "minimizer", "localminimum"),
                pick("f", "fmin", "minimumf", "value", "minimum", "minvalue", "localminimumvalue"),
                pick("bestlearningrate", "bestlr", "bestrate", "learningrate", "lr", "rate"))
    if isinstance(value, (tuple, list)) and len(value) == 3:
        numbers = [as_array(v)[0] for v in value]
        if all(n is not None and n.size == 1 for n in numbers):
            return tuple(float(n.ravel()[0]) for n in numbers)  # type: ignore[return-value, union-attr]
    return None, None, None


@check
def local_minimum(ctx: CheckContext) -> Outcome:
    report = ctx.fact(minimum_report)
    if isinstance(report, Outcome):
        return report
    x, value, _ = report
    public = ctx.public["part1"]
    parts, lines = [], []
    for name, got, want, tol in (("x", x, public["minimum_x"], 1e-3), ("f", value, public["minimum_f"], 1e-4)):
        if got is None:
            parts.append(0.0)
            lines.append(f"no {name} in what find_local_minimum returned")
        else:
            ok = abs(got - want) <= tol
            parts.append(float(ok))
            lines.append(f"{name} = {got:.6g}" + ("" if ok else f", expected {want:.6g} (within {tol:g})"))
    return Outcome(sum(parts) / 2, "local minimum: " + ", ".join(lines),
                   hint=None if sum(parts) == 2 else "run gradient_descent from 0 and report the lowest x and f "
                                                     "it reaches (about x = -0.84)")


@check
def best_learning_rate(ctx: CheckContext) -> Outcome:
    report = ctx.fact(minimum_report)
    if isinstance(report, Outcome):
        return report
    chosen = report[2]
    if chosen is None:
        return Outcome(0.0, "no best_learning_rate in what find_local_minimum returned",
                       hint='return {"x": ..., "f": ..., "best_learning_rate": ...}')
    runs = published(ctx.public["part1"])
    correct, steps = best_rate({lr: case.values for lr, case in runs.items()})
    own = {lr: j.values for lr, j in ctx.fact(course_runs).items() if j.values is not None and j.values.size}
    theirs, _ = best_rate(own) if len(own) == len(runs) else (None, {})
    shown = ", ".join(f"lr {lr:g}: {'never' if k is None else f'iteration {k}'}" for lr, k in steps.items())
    said = f"best learning rate {chosen:g}; iterations to reach the minimum (within {NEAR_MINIMUM:g}): {shown}"
    if correct is not None and np.isclose(chosen, correct):
        return Outcome(1.0, said + ": the values support it")
    if theirs is not None and np.isclose(chosen, theirs):
        return Outcome(0.5, said + f": your own gradient_descent's values support {chosen:g}, but they are wrong "
                                   f"(1.2); with correct values lr {correct:g} is best", mistakes=("best-rate",))
    return Outcome(0.0, said + f": the values support lr {correct:g}", mistakes=("best-rate",),
                   hint="compare the rates by how soon each trajectory reaches the lowest value")


def course_runs(ctx: CheckContext) -> dict[float, Judged]:
    """gradient_descent at the course's published rates, each judged."""
    return {lr: judge_descent(ctx, case) for lr, case in published(ctx.public["part1"]).items()}


def evaluate_at(ctx: CheckContext, name: str, points: list[float]) -> np.ndarray | Outcome:
    """``name`` at the points: on an array if it takes one, else point by point."""
    session = ctx.session
    result = session.call(name, np.array(points))
    array = as_array(result.value)[0] if result.ok else None
    if array is not None and array.size == len(points):
        return array.ravel().astype(np.float64)
    values = []
    for x in points:
        one = session.call(name, x)
        number = as_array(one.value)[0] if one.ok else None
        if number is None or number.size != 1:
            return call_failed(one, signature=f"{name}(x)") if not one.ok else \
                Outcome(0.0, f"{name}({x:g}) returned {type(one.value).__name__}, not a number")
        values.append(float(number.ravel()[0]))
    ctx.note(f"{name} takes one number at a time (not an array); the grader called it point by point.")
    return np.array(values)


def own_f(ctx: CheckContext, xs: np.ndarray) -> np.ndarray | None:
    """The student's f at these points (None if it cannot say)."""
    found = evaluate_at(ctx, "f", [float(x) for x in xs])
    return None if isinstance(found, Outcome) else found


def minimum_report(ctx: CheckContext) -> tuple[float | None, float | None, float | None] | Outcome:
    """What find_local_minimum reports: (x, f, best learning rate)."""
    public = ctx.public["part1"]
    params = ctx.signature("find_local_minimum")
    if params is None:
        return Outcome(0.0, "find_local_minimum is not defined",
                       hint='add find_local_minimum() returning {"x": ..., "f": ..., "best_learning_rate": ...}')
    required = sum(1 for p in params if p.positional and not p.has_default)
    args: list[Any] = [float(public["x0"]), tuple(public["learning_rates"]), int(public["iterations"])][:required]
    result = ctx.session.call("find_local_minimum", *args)
    if not result.ok:
        return call_failed(result, signature="find_local_minimum(x0=0.0, learning_rates=..., iterations=30)")
    found = read_report(result.value)
    if all(v is None for v in found):
        return Outcome(0.0, f"find_local_minimum returned {type(result.value).__name__} ({result.value!r:.80}); "
                            'expected {"x": ..., "f": ..., "best_learning_rate": ...}')
    return found
