"""Running a student function over sub-cases, in the vector layout it expects.

Students write vectors as (k, 1) columns or as (k,) arrays; both are right.
A function is tried with columns first; if a case fails that way, it is tried
with flat vectors, and the layout that works is used (and named in a note).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.rubric import Outcome
from grader.sandbox.session import CallResult

LAYOUTS = ("column", "flat")


def vec(values: Any, layout: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(-1, 1) if layout == "column" else array.reshape(-1)


@dataclass(frozen=True)
class Verdict:
    """How well one case went: a fraction and a one-line message."""

    fraction: float
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class Case:
    label: str
    args: Callable[[str], tuple[Any, ...]]
    """The call's arguments in a given layout."""
    judge: Callable[[Any, str], Verdict]
    """Score the returned value (given the layout it was called with)."""


def run_case(ctx: Any, function: str, case: Case, *, spy: tuple[str, ...] = ()) -> tuple[Verdict, CallResult]:
    """Run one case, trying the remembered layout first, then the other."""
    remembered = ctx.shared.get(f"layout:{function}")
    order = (remembered, *[layout for layout in LAYOUTS if layout != remembered]) if remembered else LAYOUTS
    best: tuple[Verdict, CallResult] | None = None
    for layout in order:
        result = ctx.session.call(function, *case.args(layout), spy=spy)
        if not result.ok:
            verdict = Verdict(0.0, call_failed(result).output)
            if result.error is not None and result.error.kind in ("missing", "budget", "timeout"):
                return verdict, result
            if result.error is not None and result.error.exc_type == "NotImplementedError":
                return verdict, result
        else:
            verdict = case.judge(result.value, layout)
        if best is None or verdict.fraction > best[0].fraction:
            best = (verdict, result)
        if verdict.fraction >= 1.0:
            if layout == "flat" and remembered != "flat":
                ctx.note(f"{function} works with vectors as 1-d arrays of shape (k,); it was graded that way "
                         "(both layouts are correct).")
            ctx.shared[f"layout:{function}"] = layout
            break
    assert best is not None
    return best


def stops_grading(result: CallResult) -> bool:
    """A missing or unimplemented function: no point trying more cases."""
    error = result.error
    return error is not None and (error.kind == "missing" or error.exc_type == "NotImplementedError")


def run_cases(ctx: Any, function: str, cases: list[Case], *, what: str = "cases") -> Outcome:
    """Credit is the mean fraction over the cases; feedback lists the failures."""
    total = 0.0
    failures: list[str] = []
    hint = None
    for case in cases:
        verdict, result = run_case(ctx, function, case)
        if stops_grading(result):
            return call_failed(result)
        total += verdict.fraction
        if verdict.fraction < 1.0:
            failures.append(f"{case.label}: {verdict.message}")
            hint = hint or verdict.hint
    fraction = total / len(cases) if cases else 0.0
    passed = sum(1 for _ in cases) - len(failures)
    if not failures:
        return Outcome(1.0, f"{function}: all {len(cases)} {what} correct")
    shown = "; ".join(failures[:4]) + (f"; and {len(failures) - 4} more" if len(failures) > 4 else "")
    return Outcome(fraction, f"{function}: {passed} of {len(cases)} {what} fully correct. {shown}", hint=hint)
