"""hw2_affine graded end to end through the real sandbox."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader import assignments
from grader.grading import grade_submission

from course_files import REPO, SUBMISSIONS

HW = assignments.get("hw2_affine")
FILES = SUBMISSIONS / "hw2_affine"
REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
STUB = REPO / "assignments" / "hw2_affine" / "homework2_affine.py"
HIDDEN_ITEMS = {item.id for item in HW.items if item.visibility == "hidden"}


def grade(path: Path, **options):
    report = grade_submission(path, assignment=HW, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def by_id(report):
    return {test.number: test for test in report.tests}


def test_reference_solution_earns_full_marks(as_submission):
    report = grade(as_submission(REFERENCE, "homework2_affine_reference.py"))
    assert report.score == report.max_score == 15
    assert {test.status for test in report.tests} == {"passed"}


def test_untouched_stub_earns_zero_and_says_not_implemented(as_submission):
    report = grade(as_submission(STUB, "homework2_affine_jsmith.py"))
    assert report.score == 0
    assert all("not implemented" in test.output for test in report.tests)


def test_public_only_runs_only_the_visible_checks(as_submission):
    report = grade(as_submission(REFERENCE, "homework2_affine_reference.py"), public_only=True)
    assert {test.number for test in report.tests}.isdisjoint(HIDDEN_ITEMS)
    assert report.max_score == sum(item.points for item in HW.items if item.visibility == "visible")


@pytest.mark.parametrize(
    ("file", "score", "lost", "says"),
    [
        # 1-d vectors throughout are as correct as (k, 1) columns.
        ("flat_vectors.py", 15, {}, ["1-d arrays"]),
        # grad_W returned transposed: weights lose, biases keep their share.
        ("transposed_backward.py", pytest.approx(11.667, abs=0.01),
         {"7.example": "transposed: expected shape (3, 2), got (2, 3)", "7.hidden": "transposed",
          "8.example": "transposed", "8.hidden": "transposed"}, []),
        # Only the two-layer case handled: the hidden deeper cases fail, by depth.
        ("two_layers_only.py", pytest.approx(11.8, abs=0.01),
         {"8.hidden": "wrong at depths 3, 4, 5, 6; right at depth 2"}, []),
    ],
)
def test_realistic_submissions_get_the_credit_they_earn(as_submission, file, score, lost, says):
    report = grade(as_submission(FILES / file, f"homework2_affine_{Path(file).stem}.py"))
    assert report.score == score
    tests = by_id(report)
    for item, message in lost.items():
        assert tests[item].score < tests[item].max_score
        assert message in tests[item].output + (tests[item].hint or "")
    for item in set(tests) - set(lost):
        assert tests[item].status == "passed", (item, tests[item].output)
    for text in says:
        assert any(text in note for note in report.notes), report.notes


def test_transposed_gradient_feedback_names_the_shape_rule(as_submission):
    report = grade(as_submission(FILES / "transposed_backward.py", "homework2_affine_t.py"))
    hint = by_id(report)["8.example"].hint
    assert hint is not None and "grad_W1, grad_W2 transposed" in hint and "W_i's shape" in hint


def test_hard_coded_example_answers_earn_only_what_does_not_depend_on_the_input(as_submission):
    report = grade(as_submission(FILES / "hardcoded_example.py", "homework2_affine_copy.py"))
    tests = by_id(report)
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert sum(t.score for t in visible) == sum(t.max_score for t in visible)
    # Everything that varies with the hidden input is lost...
    for item in ("2.hidden", "3.hidden", "4.hidden"):
        assert tests[item].score == 0
    # ...and what is constant whatever the input (dz2/db2 = 1, d/db1 = W2^T) is kept.
    assert tests["5.hidden"].score == 0.5 and tests["7.hidden"].score == 0.5
    assert report.score < 8.5


def test_grading_is_deterministic(as_submission):
    path = as_submission(FILES / "two_layers_only.py", "homework2_affine_twice.py")
    first, second = grade(path), grade(path)
    assert [(t.number, t.score, t.output) for t in first.tests] == [(t.number, t.score, t.output) for t in second.tests]


def test_published_example_answers_agree_with_the_hidden_reference():
    from grader import plugin

    ref = plugin.module(HW, "solution")
    public = {key: np.array(value, dtype=float) for key, value in HW.public_answers()["example"].items()}
    x = public["x"]
    W1, b1, W2, b2 = ref.affine_parameters()
    z1, z2 = ref.Composition([(W1, b1), (W2, b2)], x)
    (gW1, gb1), (gW2, gb2) = ref.ComputeGradients([(W1, b1), (W2, b2)], x, [z1, z2])
    expected = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "z1": z1, "z2": z2, "f_of_g": ref.f_of_g(x),
                "dz2_dvecW2": ref.part5_derivatives(z1)[0], "dz2_db2": ref.part5_derivatives(z1)[1],
                "dfog_dz1": ref.part6_derivative(x), "dfog_db1": ref.part7_gradients(x)[0],
                "grad_W1": ref.part7_gradients(x)[1], "grad_W2": gW2, "grad_b2": gb2}
    assert set(expected) | {"x"} == set(public)
    for key, value in expected.items():
        assert np.array_equal(public[key], value), key
    assert np.array_equal(gW1, public["grad_W1"]) and np.array_equal(gb1, public["dfog_db1"])
