"""docs/adding-an-assignment.md stays true: its worked examples, written into a
copy of the course exactly as the document shows them, are working assignments
(nothing in grader/ needed): the reference earns full marks, the stub nothing,
and a usual mistake loses its item, named. The training one runs on the
core's pipeline with the real MNIST, in under 300 lines of grading code."""

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
    assert {path.split("/")[1] for path in files} == {"linreg", "softreg"}, sorted(files)
    assert len(files) == 11, sorted(files)
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


def test_the_worked_training_homework_is_small_and_builds_on_the_pipeline(course):
    hw = assignments.get("softreg")
    loaded = plugin.load(hw)
    assert loaded.public.checks == {} and set(loaded.hidden.checks) == {"gradient_hidden"}
    assert {item.check for item in hw.items} >= {"training.fixed_learns", "training.test_accuracy"}
    grading = [course / "assignments/softreg/checks.py", course / "reference/softreg/hidden.py"]
    assert sum(len(path.read_text().splitlines()) for path in grading) < 300


@pytest.mark.slow
@pytest.mark.parametrize("source, score, says", [
    ("reference/softreg/solution.py", 14, {}),
    ("assignments/softreg/homework_softreg.py", 0, {"1": "not implemented", "2": "not implemented"}),
    ("worst", 14 - 2, {"4": "did better on validation"}),
])
def test_the_worked_training_homework_grades_as_documented(course, tmp_path, mnist_data_dir, source, score, says):
    path = course / ("reference/softreg/solution.py" if source == "worst" else source)
    text = path.read_text()
    if source == "worst":
        text = text.replace("accuracy > best[0]", "accuracy < best[0]")
    submission = tmp_path / "homework_softreg_jsmith.py"
    submission.write_text(text)
    report = grade_submission(submission, assignment=assignments.get("softreg"), data_dir=mnist_data_dir)
    assert not report.internal_errors, report.internal_errors
    results = {t.number: t for t in report.tests}
    if source == "worst":  # the worst rate also costs part of the test-accuracy ramp
        assert results["4"].score == 0 and 0 < results["5"].score < 4, [(t.number, t.score) for t in report.tests]
        assert report.score == pytest.approx(score - (4 - results["5"].score))
    else:
        assert report.score == score, [(t.number, t.score, t.output) for t in report.tests]
    for item, text in says.items():
        assert text in results[item].output, results[item].output
