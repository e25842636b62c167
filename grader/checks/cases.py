"""Running a student function over sub-cases, in the vector layout it expects.

Students write vectors as (k, 1) columns or as (k,) arrays; both are right.
A function is tried with columns first; if a case fails that way, it is tried
with flat vectors, and the better verdict counts (the layout that works is
named in a note). Which layout worked is remembered per function, but only to
try it first next time: a case's verdict is the best over both layouts either
way, so it does not depend on which cases ran before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.layouts import LAYOUTS, VectorLayout  # checks import both from here too
from grader.rubric import Outcome
from grader.sandbox.session import CallResult, ErrorKind

if TYPE_CHECKING:
    from grader.context import CheckContext


def vec(values: Any, layout: VectorLayout) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(-1, 1) if layout == "column" else array.reshape(-1)


@dataclass(frozen=True)
class Verdict:
    """How well one case went: a fraction and a one-line message."""

    fraction: float
    message: str
    hint: str | None = None
    raised: bool = False
    """The student code raised, hung or died instead of answering."""
    mistakes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    label: str
    args: Callable[[VectorLayout], tuple[Any, ...]]
    """The call's arguments in a given layout."""
    judge: Callable[[Any, VectorLayout], Verdict]
    """Score the returned value (given the layout it was called with)."""


def run_case(ctx: CheckContext, function: str, case: Case, *, spy: tuple[str, ...] = ()) -> tuple[Verdict, CallResult]:
    """Run one case, trying the remembered layout first, then the other."""
    remembered = ctx.vector_layouts.get(function)
    order = tuple(sorted(LAYOUTS, key=lambda layout: layout != remembered))
    best: tuple[Verdict, CallResult] | None = None
    for layout in order:
        result = ctx.session.call(function, *case.args(layout), spy=spy)
        if not result.ok:
            verdict = Verdict(0.0, call_failed(result).output, raised=True)
            if stops_grading(result):
                return verdict, result
        else:
            verdict = case.judge(result.value, layout)
        if best is None or verdict.fraction > best[0].fraction:
            best = (verdict, result)
        if verdict.fraction >= 1.0:
            if layout == "flat":
                ctx.note(f"{function} works with vectors as 1-d arrays of shape (k,); it was graded that way "
                         "(both layouts are correct).")
            ctx.vector_layouts[function] = layout
            break
    assert best is not None
    return best


_FATAL: tuple[ErrorKind, ...] = ("missing", "budget", "timeout", "exit", "killed", "protocol", "calls")


def stops_grading(result: CallResult) -> bool:
    """No point trying more cases of this function: it is missing or not
    implemented, or it hung, ended or corrupted its process last time."""
    error = result.error
    return error is not None and (error.kind in _FATAL or error.unimplemented)


def run_cases(ctx: CheckContext, function: str, cases: list[Case], *, what: str = "cases") -> Outcome:
    """Credit is the mean fraction over the cases; feedback lists the failures.

    A function that is missing or unimplemented earns nothing; one that hangs
    or ends its process keeps the credit of the cases before, and the rest are
    not tried."""
    total = 0.0
    failures: list[tuple[str, str]] = []
    hint = None
    mistakes: list[str] = []
    broken: CallResult | None = None
    raised = False
    for done, case in enumerate(cases):
        verdict, result = run_case(ctx, function, case)
        if stops_grading(result):
            if done == 0 or (result.error is not None and result.error.kind == "missing"):
                return call_failed(result)
            broken = result
            failures.append((case.label, f"{verdict.message} (the remaining {len(cases) - done - 1} not tried)"))
            break
        total += verdict.fraction
        raised = raised or verdict.raised
        if verdict.fraction < 1.0:
            failures.append((case.label, verdict.message))
            hint = hint or verdict.hint
            mistakes.extend(verdict.mistakes)
    fraction = total / len(cases) if cases else 0.0
    if raised and fraction == 0.0:
        broken = broken or CallResult(function, ok=False)
    if not failures:
        counted = "the example" if len(cases) == 1 else f"all {len(cases)} {what}"
        return Outcome(1.0, f"{function}: correct on {counted}")
    return Outcome(fraction, f"{function}: {summarise(failures)}", hint=hint,
                   status="error" if broken is not None else None, mistakes=tuple(dict.fromkeys(mistakes)))


def summarise(failures: list[tuple[str, str]], shown: int = 3) -> str:
    """Failed cases as one line, folding cases that failed the same way."""
    groups: dict[str, list[str]] = {}
    for label, message in failures:
        groups.setdefault(message, []).append(label)
    parts = []
    for message, labels in list(groups.items())[:shown]:
        alike = f" (and {len(labels) - 1} more case{'s' if len(labels) > 2 else ''} alike)" if len(labels) > 1 else ""
        parts.append(f"{labels[0]}: {message}{alike}")
    rest = len(groups) - shown
    return "; ".join(parts) + (f"; and {rest} more kinds of failure" if rest > 0 else "")
