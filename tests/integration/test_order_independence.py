"""An item's grade does not depend on which items ran before it.

Every test submission of every assignment is graded with its items in the
manifest's order, in reverse, each item alone, and with --public-only; every
item must get the same score, status, feedback and hint each time. Items that
need no data run on the in-process fake (the child's own code, in-process:
the same verdicts, fast); the items that train run on the real sandbox and
real MNIST for a set of files covering every adaptation path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS
from grader import assignments
from grader.grading import grade_submission
from grader.sandbox.fake import InProcessSession


def _files(assignment_id: str, folders: tuple[str, ...], stub: str) -> list[Path]:
    found = [path for folder in folders for path in sorted((SUBMISSIONS / folder).glob("*.py"))]
    return found + [REPO / "reference" / assignment_id / "solution.py", REPO / "assignments" / assignment_id / stub]


CASES = [("hw2_affine", path) for path in _files("hw2_affine", ("hw2_affine",), "homework2_affine.py")] + \
        [("hw2_affine", REPO / "examples" / "homework2_affine_jsmith.py")] + \
        [("hw6_mnist", path) for path in _files("hw6_mnist", ("hw6", "hw6_wild"), "homework6.py")] + \
        [("hw2_softmax", path) for path in _files("hw2_softmax", ("hw2_softmax",), "homework2_softmax.py")] + \
        [("hw3_label_smoothing", path) for path in _files("hw3_label_smoothing", ("hw3_label_smoothing",),
                                                          "homework3_label_smoothing.py")] + \
        [("gd_shallow", path) for path in _files("gd_shallow", ("gd_shallow",), "gd_shallow.py")]
PREFIX = {"hw2_affine": "homework2_affine_", "hw6_mnist": "homework6_", "hw2_softmax": "homework2_softmax_",
          "hw3_label_smoothing": "homework3_", "gd_shallow": "gd_shallow_"}


def outcomes(report) -> dict[str, tuple]:
    """Each item's result; training times (which vary run to run) masked."""
    assert not report.internal_errors, report.internal_errors
    return {t.number: (t.score, t.status, re.sub(r"\d+\.\d s\b", "_ s", t.output), t.hint) for t in report.tests}


def _submission(as_submission, assignment_id: str, source: Path) -> Path:
    return as_submission(source, PREFIX[assignment_id] + source.stem.removeprefix(PREFIX[assignment_id]) + ".py")


@pytest.mark.parametrize("assignment_id, source", CASES, ids=[f"{a}-{p.parent.name}-{p.stem}" for a, p in CASES])
def test_items_that_need_no_data_grade_the_same_in_any_order(assignment_id, source, as_submission):
    hw = assignments.get(assignment_id)
    path = _submission(as_submission, assignment_id, source)
    items = [item.id for item in hw.items if not item.needs]

    def grade(only, **options):
        return outcomes(grade_submission(path, assignment=hw, only=only, session_factory=InProcessSession, **options))

    reference = grade(items)
    assert grade(items[::-1]) == reference
    for item in items:
        assert grade([item]) == {item: reference[item]}, item
    visible = [item.id for item in hw.items if not item.needs and item.visibility == "visible"]
    assert grade(items, public_only=True) == {item: reference[item] for item in visible}


# The ways the training items find their inputs: rows and a transposed layout with a misspelled search;
# a search reading its data from globals, with the template's train and a regulariser on by default.
TRAINING_FILES = ["hw6/homework6_rows_layout.py", "hw6_wild/homework6_positional_globals_search.py"]
TEMPLATE_2019 = SUBMISSIONS / "hw6_wild" / "homework6_rows_template2019.py"


def _grade_hw6(path: Path, data_dir: Path, only: list[str]) -> dict[str, tuple]:
    return outcomes(grade_submission(path, assignment=assignments.get("hw6_mnist"), only=only, profile="quick",
                                     data_dir=data_dir))


@pytest.mark.slow
@pytest.mark.parametrize("name", TRAINING_FILES)
def test_items_that_train_grade_the_same_in_either_order(name, mnist_data_dir, as_submission):
    path = _submission(as_submission, "hw6_mnist", SUBMISSIONS / name)
    items = [item.id for item in assignments.get("hw6_mnist").items]
    assert _grade_hw6(path, mnist_data_dir, items[::-1]) == _grade_hw6(path, mnist_data_dir, items)


@pytest.fixture(scope="module")
def template_2019_in_full(mnist_data_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("order") / "homework6_template2019.py"
    path.write_bytes(TEMPLATE_2019.read_bytes())
    return path, _grade_hw6(path, mnist_data_dir, [item.id for item in assignments.get("hw6_mnist").items])


@pytest.mark.slow
@pytest.mark.parametrize("item", ["a.9", "b.1", "c.2"])
def test_each_item_that_trains_grades_the_same_alone(item, template_2019_in_full, mnist_data_dir):
    path, full = template_2019_in_full
    assert _grade_hw6(path, mnist_data_dir, [item]) == {item: full[item]}
