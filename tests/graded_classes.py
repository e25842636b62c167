"""Every stored submission of an assignment (tests/data/submissions, the
examples, the stub and the reference) graded once, as one class, by
``grade_batch`` on the assignment's quick profile: the golden test compares
the verdicts, and the per-file tests read their items from the same results
instead of grading the file again (an item's grade is the same whichever
items run with it: tests/integration/test_order_independence.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable

from course_files import REPO, SUBMISSIONS
from grader.assignments import get as load_assignment
from grader.batch import grade_batch

PROFILE = "quick"
"""The profile each assignment is graded on where it has one (else its default)."""
CLASSES = {
    # assignment -> (folders of tests/data/submissions, prefix of the text/ files that belong to it, dataset)
    "hw2_affine": (["hw2_affine"], "homework2_affine", None),
    "hw3_label_smoothing": (["hw3_label_smoothing"], "homework3", None),
    "hw2_softmax": (["hw2_softmax", "hw2_softmax_round2"], "homework2_softmax", "fashion"),
    "gd_shallow": (["gd_shallow"], "gd_shallow", "fashion"),
    "hw6_mnist": (["hw6", "hw6_wild", "hw6_round2", "hw6_round2d"], "homework6", "mnist"),
}
STUB_NAMES = {"hw6_mnist": "homework6_{}.py"}
"""The name a copy of the stub or the reference takes where the stub's own name fits no file pattern."""


def class_name(path: Path) -> str:
    """A stored file's name in the class folder: where it came from stays in it."""
    return f"{path.stem}__{path.parent.name}.py"


def class_folder(assignment_id: str, target: Path) -> None:
    folders, prefix, _ = CLASSES[assignment_id]
    target.mkdir(parents=True)
    sources = [path for folder in folders for path in sorted((SUBMISSIONS / folder).glob("*.py"))]
    sources += [path for path in sorted((SUBMISSIONS / "text").glob("*.py")) if path.name.startswith(prefix)]
    if assignment_id == "hw2_affine":
        sources += sorted((REPO / "examples").glob("homework2_affine*.py"))
    for path in sources:
        shutil.copyfile(path, target / class_name(path))
    assignment = load_assignment(assignment_id)
    pattern = STUB_NAMES.get(assignment_id, assignment.stub.replace(".py", "_{}.py"))
    shutil.copyfile(assignment.folder / assignment.stub, target / pattern.format("stub"))
    shutil.copyfile(REPO / "reference" / assignment_id / "solution.py", target / pattern.format("reference"))


def grade_class(assignment_id: str, root: Path, data_dir: Path | None) -> dict[str, dict[str, Any]]:
    """File name in the class folder -> its result JSON."""
    class_folder(assignment_id, root / "class")
    assignment = load_assignment(assignment_id)
    batch = grade_batch(root / "class", assignment=assignment, out=root / "out", jobs=2,
                        profile=PROFILE if PROFILE in assignment.profiles else None, data_dir=data_dir)
    try:
        return {stored.file: stored.result for stored in batch.store.all()}
    finally:
        batch.store.close()


def report_of(result: dict[str, Any], only: Iterable[str]) -> SimpleNamespace:
    """The items ``only`` of a stored result, read like a ``GradeReport`` of just those items."""
    wanted = set(only)
    tests = [SimpleNamespace(**{"hint": None, "mistakes": [], **test}) for test in result["tests"]
             if test["number"] in wanted]
    return SimpleNamespace(tests=tests, notes=list(result["notes"]), internal_errors=list(result["internal_errors"]),
                           score=sum(test.score for test in tests), max_score=result["max_score"])
