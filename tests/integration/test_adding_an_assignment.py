"""docs/adding-an-assignment.md stays true: its worked example, written into a
copy of the course exactly as the document shows it, is a working assignment
(nothing in grader/ needed): the reference earns full marks, the stub nothing,
and a gradient summed instead of averaged loses that item, named."""

from __future__ import annotations

import re

import pytest

from course_files import REPO
from grader import assignments, plugin
from grader.grading import grade_submission

DOC = REPO / "docs" / "adding-an-assignment.md"
FILE_BLOCK = re.compile(r"^`((?:assignments|reference)/[\w/.]+)`\n\n```\w+\n(.*?)^```", re.M | re.S)


def example_files() -> dict[str, str]:
    return {path: body for path, body in FILE_BLOCK.findall(DOC.read_text())}


@pytest.fixture
def course(course_copy):
    files = example_files()
    assert len(files) == 6, sorted(files)
    for relative, body in files.items():
        target = course_copy / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    return course_copy


def test_the_worked_example_is_a_valid_assignment(course):
    hw = assignments.get("linreg")
    loaded = plugin.load(hw)
    assert set(loaded.public.checks) == {"predict_example", "train_lowers_loss"}
    assert set(loaded.hidden.checks) == {"gradient_hidden"} and hw.points == 10


@pytest.mark.parametrize("source, score, says", [
    ("reference/linreg/solution.py", 10, {}),
    ("assignments/linreg/homework_linreg.py", 0, {"2": "not implemented"}),
    ("summed", 6, {"2": "the number of examples n times too large"}),
])
def test_the_worked_example_grades_as_documented(course, tmp_path, source, score, says):
    text = (course / "reference/linreg/solution.py").read_text() if source == "summed" else (course / source).read_text()
    if source == "summed":
        text = text.replace("return X.T @ (X @ w - y) / len(y)", "return X.T @ (X @ w - y)")
        text = text.replace("w = w - lr * gradient(w, X, y)", "w = w - lr * gradient(w, X, y) / len(y)")
    submission = tmp_path / "homework_linreg_jsmith.py"
    submission.write_text(text)
    report = grade_submission(submission, assignment=assignments.get("linreg"))
    assert not report.internal_errors, report.internal_errors
    assert report.score == score, [(t.number, t.score, t.output) for t in report.tests]
    results = {t.number: t for t in report.tests}
    for item, text in says.items():
        assert text in results[item].output, results[item].output
