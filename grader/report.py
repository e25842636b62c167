"""The grade report: what ``grade submit`` produces and reporters render."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.rubric import CheckResult, ManualItem

RESULT_SCHEMA_VERSION = 2
"""1: the Gradescope fields plus profile, isolation, notes. 2: adds ``title``,
``profile_description`` and ``figures`` (what the HTML report draws)."""


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON: numpy scalars and arrays to numbers and lists,
    tuples to lists, non-finite floats to None, other objects to their repr."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return repr(value)[:200]


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
    figures: dict[str, Any] = field(default_factory=dict)
    """What the HTML report draws (the search, recorded runs, the test set's
    confusion matrix, gradient blocks), as plain JSON values."""
    handed: dict[str, Any] = field(default_factory=dict)
    """How the handed file was read (``.py``, notebook, zip, folder), which
    file was graded, and the files that came with it (the PDF)."""

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
            "title": self.title,
            "submission": self.submission,
            "profile": self.profile,
            "profile_description": self.profile_description,
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
            "figures": self.figures,
            **({"handed": self.handed} if self.handed else {}),
        }
