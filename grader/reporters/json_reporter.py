"""The result JSON (a superset of Gradescope's results.json)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.report import GradeReport
from grader.reporters import files


def dumps(report: GradeReport) -> str:
    return json.dumps(report.to_json(), indent=2, allow_nan=False)


def write(report: GradeReport, destination: str | Path) -> None:
    """Write atomically: a reader never sees half a result file."""
    files.write_text(Path(destination), dumps(report) + "\n")
