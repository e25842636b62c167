"""Every submission the repository holds, graded on the quick profiles, against a
golden file of scores and item verdicts: a refactor of the grading code keeps
each grade identical, or the difference is a named, separate change.

The golden file is ``tests/data/golden/grades.json``; after a change that is
meant to move grades, rewrite it with ``pytest tests/integration/test_golden_grades.py
--update-golden`` and say in the commit which grades moved and why.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS
from grader.assignments import get as load_assignment
from grader.batch import Batch, grade_batch

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden" / "grades.json"
PROFILE = "quick"
"""The profile each assignment is graded on where it has one (else its default)."""

# assignment -> (folders of tests/data/submissions, prefixes of the text/ files that belong to it, dataset)
CLASSES = {
    "hw2_affine": (["hw2_affine"], "homework2_affine", None),
    "hw3_label_smoothing": (["hw3_label_smoothing"], "homework3", None),
    "hw2_softmax": (["hw2_softmax"], "homework2_softmax", "fashion"),
    "gd_shallow": (["gd_shallow"], "gd_shallow", "fashion"),
    "hw6_mnist": (["hw6", "hw6_wild"], "homework6", "mnist"),
}
STUB_NAMES = {"hw6_mnist": "homework6_{}.py"}
"""The name a copy of the stub or the reference takes where the stub's own name fits no file pattern."""


def _class_folder(assignment_id: str, target: Path) -> None:
    """The assignment's submissions, its stub and its reference in one folder, each under a
    name that says where it came from (``<folder>__<file>``)."""
    folders, prefix, _ = CLASSES[assignment_id]
    target.mkdir(parents=True)
    sources = [path for folder in folders for path in sorted((SUBMISSIONS / folder).glob("*.py"))]
    sources += [path for path in sorted((SUBMISSIONS / "text").glob("*.py")) if path.name.startswith(prefix)]
    if assignment_id == "hw2_affine":
        sources += sorted((REPO / "examples").glob("homework2_affine*.py"))
    for path in sources:
        shutil.copyfile(path, target / f"{path.stem}__{path.parent.name}.py")
    assignment = load_assignment(assignment_id)
    pattern = STUB_NAMES.get(assignment_id, assignment.stub.replace(".py", "_{}.py"))
    shutil.copyfile(assignment.folder / assignment.stub, target / pattern.format("stub"))
    shutil.copyfile(REPO / "reference" / assignment_id / "solution.py", target / pattern.format("reference"))


def _verdicts(batch: Batch) -> dict[str, dict]:
    """File -> its score and each item's status and points (the texts, which carry timings, are left out)."""
    grades = {}
    for stored in batch.store.all():
        result = stored.result
        grades[stored.file] = {
            "score": round(float(result["score"]), 3),
            "items": {test["number"]: [test["status"], round(float(test["score"]), 3)] for test in result["tests"]},
        }
    return grades


def _data_dir(kind: str | None, request: pytest.FixtureRequest) -> Path | None:
    if kind is None:
        return None
    return request.getfixturevalue("mnist_data_dir" if kind == "mnist" else "fashion_data_dir")


@pytest.mark.slow
@pytest.mark.parametrize("assignment_id", list(CLASSES))
def test_every_stored_submission_keeps_its_grade(assignment_id, tmp_path, request):
    data_dir = _data_dir(CLASSES[assignment_id][2], request)
    _class_folder(assignment_id, tmp_path / "class")
    assignment = load_assignment(assignment_id)
    batch = grade_batch(tmp_path / "class", assignment=assignment, out=tmp_path / "out", jobs=2,
                        profile=PROFILE if PROFILE in assignment.profiles else None, data_dir=data_dir)
    got = _verdicts(batch)
    batch.store.close()
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
