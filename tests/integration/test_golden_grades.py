"""Every submission the repository holds, graded on the quick profiles, against a
golden file of scores and item verdicts: a refactor of the grading code keeps
each grade identical, or the difference is a named, separate change.

The golden file is ``tests/data/golden/grades.json``; after a change that is
meant to move grades, rewrite it with ``pytest tests/integration/test_golden_grades.py
--update-golden`` and say in the commit which grades moved and why. The class
of each assignment is graded once per session (``tests/graded_classes.py``); the
per-file tests read their items from the same results.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graded_classes import CLASSES

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden" / "grades.json"


def _verdicts(results: dict[str, dict]) -> dict[str, dict]:
    """File -> its score and each item's status and points (the texts, which carry timings, are left out)."""
    return {file: {"score": round(float(result["score"]), 3),
                   "items": {test["number"]: [test["status"], round(float(test["score"]), 3)]
                             for test in result["tests"]}}
            for file, result in sorted(results.items())}


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", list(CLASSES))
def test_every_stored_submission_keeps_its_grade(assignment_id, quick_grades, request):
    got = _verdicts(quick_grades(assignment_id))
    assert got, "nothing was graded"
    if request.config.getoption("--update-golden"):
        golden = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.is_file() else {}
        golden[assignment_id] = got
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))[assignment_id]
    moved = {file: {"golden": want.get(file), "now": got.get(file)} for file in set(want) | set(got)
             if want.get(file) != got.get(file)}
    assert not moved, json.dumps(moved, indent=1, sort_keys=True)
