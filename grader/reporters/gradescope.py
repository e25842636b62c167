"""A grade report as Gradescope's ``results/results.json``.

Only Gradescope's own fields: the top-level ``score``, ``execution_time``,
``output``, ``visibility``, ``stdout_visibility`` and ``extra_data``; per test
``name``, ``number``, ``score``, ``max_score``, ``status`` (Gradescope knows
``passed`` and ``failed`` only: partial credit shows in the score), ``output``,
``tags`` (the named mistakes) and ``visibility``. No leaderboard. Our whole
result JSON rides in ``extra_data.result``, so ``grade report`` can draw the
page later from the results.json alone.
"""

from __future__ import annotations

from typing import Any, Sequence

from grader.report import GradeReport

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def results(report: GradeReport, *, hidden_visibility: str = "after_due_date",
            students: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Our hidden items (checks the students could not run) show their result
    ``hidden_visibility`` (by default after the due date)."""
    tests = []
    for test in report.tests:
        text = test.output + (f"\nWhat to fix: {test.hint}" if test.hint else "")
        tests.append({
            "name": test.name, "number": test.number, "score": test.score, "max_score": test.max_score,
            "status": "passed" if test.score >= test.max_score else "failed",
            "output": text, "tags": list(test.mistakes),
            "visibility": "visible" if test.visibility == "visible" else hidden_visibility,
        })
    lines = list(report.notes) + [f"Isolation: {report.isolation} ({report.isolation_detail})"]
    if report.internal_errors:
        lines.append("The grader hit an internal error on some items (marked 0); the course staff will look at it.")
    return {
        "score": report.score,
        "execution_time": round(report.execution_time, 2),
        "output": "\n\n".join(lines),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"assignment": report.assignment, "profile": report.profile, "isolation": report.isolation,
                       "students": list(students), "manual": [m.name for m in report.manual],
                       "result": report.to_json()},
    }


def failure(message: str, *, max_score: float = 0.0, student_fault: bool = False) -> dict[str, Any]:
    """The results.json when grading could not happen: one visible entry
    saying why. ``student_fault``: nothing gradable was handed in (the student
    can fix it by submitting again); otherwise the grader itself failed."""
    summary = ("Nothing in this submission could be graded: see below, fix it and submit again." if student_fault
               else "The autograder could not grade this submission (a problem on the course's side, not in "
                    "your file): your submission is kept; tell the course staff, who can see the details.")
    return {
        "score": 0.0,
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [{"name": "Nothing to grade in the submission" if student_fault else "The autograder failed",
                   "number": "0", "score": 0.0, "max_score": max_score,
                   "status": "failed", "output": message[-4000:], "visibility": "visible"}],
    }
