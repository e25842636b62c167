"""``grades.csv`` is a class view, **not for upload to Canvas**: its total is
headed with the assignment's title and each rubric item has a column, so
Canvas's importer would create a new assignment for each. The upload file is
``grade gradebook canvas`` (``grader.batch.canvas``), which writes into the
course's own column."""

from __future__ import annotations

import csv
from pathlib import Path

from grader.batch.record import Batch
from grader.batch.results import hand_of, result_for, rows

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
LATE = "Late"
"""The last column: ``late`` for a Canvas download marked LATE (skip it in Canvas's import preview)."""


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def write_csv(batch: Batch, out: Path) -> Path:
    """``grades.csv``, the class view (not for upload: see the module's
    docstring): a row per student (per file when a name gives no student). With
    items graded by hand, the total is auto + the hand points entered so far,
    and each hand item has a ``by hand: <name>`` column (blank: not graded yet)."""
    items = batch.assignment.items
    manual = batch.assignment.manual
    target = out / "grades.csv"
    partial = target.with_name(".grades.csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_IDENTITY, batch.assignment.title, *[f"{item.id} {item.name}" for item in items],
                         *[f"by hand: {item.name}" for item in manual], LATE])
        writer.writerow(["Points Possible", "", "", "", "",
                         _points(batch.assignment.points + batch.assignment.manual_points),
                         *[_points(item.points) for item in items], *[_points(item.points) for item in manual], ""])
        for row in rows(batch)[0]:
            result = result_for(batch, row.submission)
            scores = {test.get("number"): test.get("score", 0) for test in result.get("tests", [])}
            hand = hand_of(batch, row)
            writer.writerow([row.student, row.user_id, "", row.login, "",
                             _points(float(result.get("score", 0)) + hand.score),
                             *[_points(float(scores.get(item.id, 0))) for item in items],
                             *["" if item.points is None else _points(item.points) for item in hand.items],
                             "late" if row.submission.late else ""])
    partial.replace(target)
    return target
