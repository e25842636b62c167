"""The grade report: what ``grade submit`` produces and reporters render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.rubric import CheckResult, ManualItem

RESULT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class GradeReport:
    assignment: str
    title: str
    submission: str
    profile: str
    profile_description: str
    tests: tuple[CheckResult, ...]
    manual: tuple[ManualItem, ...]
    execution_time: float
    notes: tuple[str, ...] = ()
    """What the grader did that the student should know (adaptations,
    code set aside at import, restarts)."""
    stdout: str = ""
    internal_errors: tuple[str, ...] = field(default_factory=tuple)
    imported: bool = True
    """The submission's file could be imported (else every item is an error)."""
    isolation: str = "none"
    """The isolation the child ran under: ``namespaces``, ``uid`` (root without namespaces) or ``python-hook``."""
    isolation_detail: str = ""

    @property
    def score(self) -> float:
        return round(sum(test.score for test in self.tests), 4)

    @property
    def max_score(self) -> float:
        return round(sum(test.max_score for test in self.tests), 4)

    def to_json(self) -> dict[str, Any]:
        """The result object: Gradescope's results.json fields plus ours."""
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "assignment": self.assignment,
            "submission": self.submission,
            "profile": self.profile,
            "imported": self.imported,
            "isolation": self.isolation,
            "isolation_detail": self.isolation_detail,
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "output": "\n".join(self.notes),
            "tests": [
                {
                    "name": test.name, "number": test.number, "score": test.score,
                    "max_score": test.max_score, "status": test.status, "output": test.output,
                    "visibility": test.visibility, **({"hint": test.hint} if test.hint else {}),
                    **({"mistakes": list(test.mistakes)} if test.mistakes else {}),
                    **({"adapted": list(test.adapted)} if test.adapted else {}),
                }
                for test in self.tests
            ],
            "manual": [{"name": item.name, "max_score": item.points} for item in self.manual],
            "notes": list(self.notes),
            "internal_errors": list(self.internal_errors),
        }
