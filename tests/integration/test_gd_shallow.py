"""gd_shallow, the fifth homework (another course's unit, added as a plug-in
only): the reference earns full marks, the stub nothing, each usual mistake
loses its points with its name, and a MATLAB-style real file (top-level
script and plots, scalar-only f, values-only trajectories, dict params with
W1 as (H, 784), capitalised activation names) is graded on what it does.

Part 1 and the network functions need no data; the training items run on
the real Fashion-MNIST (Debian's dataset-fashion-mnist; skipped without it)
on the quick profile."""

from __future__ import annotations

import pytest

from course_files import REPO, SUBMISSIONS
from graded_classes import report_of
from grader import assignments
from grader.grading import grade_submission

HW = assignments.get("gd_shallow")
FILES = SUBMISSIONS / "gd_shallow"
REFERENCE = REPO / "reference" / "gd_shallow" / "solution.py"
STUB = REPO / "assignments" / "gd_shallow" / "gd_shallow.py"
NO_DATA = tuple(item.id for item in HW.items if not item.needs)


def grade(path, **options):
    report = grade_submission(path, assignment=HW, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def by_id(report):
    return {test.number: test for test in report.tests}


def explain(report):
    return [(t.number, t.score, t.output[:200]) for t in report.tests] + list(report.notes)


def _graded(quick_grades, file: str, only=None):
    """The file's grade on the quick profile (its class graded once a session), its items ``only``."""
    result = quick_grades("gd_shallow")[file]
    report = report_of(result, only or [test["number"] for test in result["tests"]])
    assert not report.internal_errors, report.internal_errors
    return report


def test_the_stub_earns_nothing_and_says_what_is_not_implemented(as_submission, tmp_path):
    report = grade(as_submission(STUB, "gd_shallow_jsmith.py"), data_dir=tmp_path, fetch=False)
    assert report.score == 0, explain(report)
    tests = by_id(report)
    assert tests["1.1"].not_implemented == "f" and tests["1.2"].not_implemented == "gradient_descent"
    assert tests["2.3"].not_implemented == "gradients"


def test_the_reference_earns_every_point_that_needs_no_data(as_submission, tmp_path):
    report = grade(as_submission(REFERENCE, "gd_shallow_ref.py"), only=NO_DATA, data_dir=tmp_path, fetch=False)
    assert report.score == sum(item.points for item in HW.items if not item.needs), explain(report)


@pytest.mark.slow
def test_the_reference_earns_full_marks_on_the_quick_profile(quick_grades):
    report = _graded(quick_grades, "gd_shallow_reference.py")
    assert report.score == report.max_score == 34, explain(report)
    tests = by_id(report)
    assert "training took" in tests["2.6"].output and "(reported, not graded)" in tests["2.6"].output
    assert "784 -> 256 relu -> 10 softmax" in tests["3.1"].output


# file, items, expected scores, {item: substring}, a named mistake
MISTAKES = [
    ("ascent", ("1.2", "1.3", "1.4", "1.5"), {"1.2": 0, "1.3": 0, "1.4": 0, "1.5": 0.5},
     {"1.2": "the step goes uphill", "1.5": "your own gradient_descent's values support"}, "ascent"),
    ("sigmoid_derivative", ("2.1", "2.2", "2.3"), {"2.1": 2, "2.2": 2, "2.3": 2},
     {"2.3": "dW1, db1: the sigmoid's derivative taken as s"}, "sigmoid-derivative"),
    ("summed", ("2.2", "2.3"), {"2.2": 0, "2.3": 0},
     {"2.2": "the loss is summed, not averaged", "2.3": "n times too large"}, "summed"),
]


@pytest.mark.parametrize("name, items, scores, messages, mistake", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_usual_mistake_loses_its_points_and_is_named(name, items, scores, messages, mistake, tmp_path):
    report = grade(FILES / f"gd_shallow_{name}.py", only=items, data_dir=tmp_path, fetch=False)
    tests = by_id(report)
    assert {item: tests[item].score for item in scores} == scores, explain(report)
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)
    assert mistake in {m for t in report.tests for m in t.mistakes}


@pytest.mark.slow
def test_a_summed_gradient_diverges_at_the_fixed_setting(quick_grades):
    report = _graded(quick_grades, "gd_shallow_summed__gd_shallow.py", ("2.4",))
    test = report.tests[0]
    assert test.score == 0 and "diverged" in test.output and "diverged" in test.mistakes, explain(report)


@pytest.mark.slow
def test_a_diverged_learning_rate_chosen_by_a_nan_loss_is_named(quick_grades):
    report = _graded(quick_grades, "gd_shallow_diverging__gd_shallow.py", ("2.5", "2.6"))
    tests = by_id(report)
    assert tests["2.5"].score == 2 and "diverged: trial 4 (learning_rate=50" in tests["2.5"].output, explain(report)
    assert tests["2.6"].score == 0 and "the chosen learning rate diverged" in tests["2.6"].output
    assert "diverged" in tests["2.6"].mistakes


@pytest.mark.slow
def test_an_improved_network_that_is_not_better_earns_nothing_for_part_3(quick_grades):
    report = _graded(quick_grades, "gd_shallow_no_gain__gd_shallow.py", ("2.6", "3.1"))
    tests = by_id(report)
    assert tests["3.1"].score == 0 and "no-improvement" in tests["3.1"].mistakes, explain(report)
    assert "784 -> 100 sigmoid -> 10 softmax" in tests["3.1"].output


@pytest.mark.slow
def test_a_matlab_style_script_is_graded_on_what_it_does(quick_grades):
    report = _graded(quick_grades, "gd_shallow_script__gd_shallow.py")
    tests = by_id(report)
    # values-only trajectories: the values' half of each rate, said
    assert tests["1.2"].score == 1.5 and "values match, iterates do not" in tests["1.2"].output, explain(report)
    assert tests["1.1"].score == 2 and tests["1.4"].score == 2 and tests["1.5"].score == 1
    # dict params with W1 as (H, 784): read that way, graded in full
    assert tests["2.1"].score == 2 and tests["2.2"].score == 2 and tests["2.3"].score == 4
    assert tests["2.6"].score > 5 and tests["3.1"].score == 6
    notes = " ".join(report.notes)
    # its top-level np.load of the course's files now finds the handed-over copies, so the script runs
    for piece in ("f takes one number at a time",
                  'a dict {"W1": (H, 784), "b1", "W2", "b2"}', "train_shallow W1 stored as (H, 784)"):
        assert piece in notes, (piece, report.notes)
