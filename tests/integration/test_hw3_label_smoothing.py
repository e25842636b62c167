"""hw3_label_smoothing graded end to end: the reference, the stub and a few
files through the real sandbox; the table of usual mistakes on the in-process
fake (the same verdicts, fast). Submission files live in
tests/data/submissions/hw3_label_smoothing/."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from grader import assignments, plugin
from grader.grading import grade_submission
from grader.sandbox.fake import InProcessSession

from course_files import REPO, SUBMISSIONS

HW = assignments.get("hw3_label_smoothing")
FILES = SUBMISSIONS / "hw3_label_smoothing"
REFERENCE = REPO / "reference" / "hw3_label_smoothing" / "solution.py"
STUB = REPO / "assignments" / "hw3_label_smoothing" / "homework3_label_smoothing.py"
ITEMS = [item.id for item in HW.items]
VISIBLE = [item.id for item in HW.items if item.visibility == "visible"]


def grade(path: Path, **options):
    report = grade_submission(path, assignment=HW, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def fake(path: Path, **options):
    return grade(path, session_factory=InProcessSession, **options)


def by_id(report):
    return {test.number: test for test in report.tests}


def test_the_rubric_is_100_points_split_50_50():
    problem = {p: sum(item.points for item in HW.items if item.id.startswith(p)) for p in ("1.", "2.")}
    assert problem == {"1.": 50, "2.": 50} and HW.points == 100


def test_reference_solution_earns_full_marks(as_submission):
    report = grade(as_submission(REFERENCE, "homework3_label_smoothing_reference.py"))
    assert report.score == report.max_score == 100
    assert {test.status for test in report.tests} == {"passed"}


def test_untouched_stub_earns_zero_and_says_not_implemented(as_submission):
    report = grade(as_submission(STUB, "homework3_label_smoothing_jsmith.py"))
    assert report.score == 0
    assert all("not implemented" in test.output for test in report.tests)


def test_published_example_answers_agree_with_the_hidden_reference():
    ref = plugin.module(HW, "solution")
    network = plugin.module(HW, "network")
    mistakes = plugin.module(HW, "mistakes")
    tables = HW.public_answers()
    public = {key: np.array(value, dtype=float) for key, value in tables["example"].items()}
    given = {"x": [0, 2], "y": [1, 0, 0], "W1": [[-5, 2, 2], [-5, 2, -1]], "b1": [-3, -2, -3],
             "W2": [[3, -4, 1], [-2, -4, -2], [-4, -2, 3]], "b2": [4, 5, 5], "epsilon": 0.3, "eta": 0.1}
    for key, value in given.items():  # the course's numbers (SPEC 3.3)
        assert np.array_equal(public[key], np.array(value, dtype=float)), key
    args = [public[key] for key in ("x", "y", "W1", "b1", "W2", "b2", "epsilon")]
    ys = ref.smooth_labels(public["y"], 0.3)
    h, a, z, yhat = ref.forward(public["x"], *args[2:6])
    expected = {"ys": ys, "h": h, "a": a, "z": z, "yhat": yhat, "loss": ref.loss(yhat, ys),
                **dict(zip(("dW1", "db1", "dW2", "db2"), ref.gradients(*args))),
                **dict(zip(("W1_after", "b1_after", "W2_after", "b2_after"), ref.update(*args, 0.1)))}
    assert set(expected) | set(given) == set(public)
    for key, value in expected.items():
        np.testing.assert_allclose(public[key], value, rtol=1e-12, atol=1e-15, err_msg=key)
    # What the usual slips give at the example, published so that the visible checks can name them.
    example = network.from_tables(tables["example"])
    slips = mistakes.published(example)
    assert set(tables["mistakes"]) == set(slips)
    for key, grads in slips.items():
        for name, value in zip(("dW1", "db1", "dW2", "db2"), grads):
            np.testing.assert_allclose(tables["mistakes"][key][name], value, rtol=1e-12, atol=1e-15)
            assert not np.allclose(value, public[name]), (key, name)  # each slip shows at the example


def test_hidden_networks_have_units_at_exactly_zero_and_logits_near_1000(as_submission):
    path = as_submission(REFERENCE, "homework3_label_smoothing_ref.py")
    report = fake(path, only=["1.6"])
    assert "2 with some h exactly 0, 1 with logits near 1000" in by_id(report)["1.6"].output


# file, score range, {item: text in its feedback} for every item that loses points, the mistake tag
MISTAKES = [
    ("hard_labels.py", (52, 55), {"1.4": "hard labels y were used instead of the smoothed labels ys",
                                  "1.5": "disagree with finite differences", "1.6": "hard labels", "1.7": "hard labels",
                                  "1.8": "hard labels", "1.9": "hard labels", "2.1": "hard labels",
                                  "2.2": "hard labels", "2.3": "hard labels", "2.4": "hard labels",
                                  "2.5": "hard labels"}, "hard-labels"),
    ("no_uniform_term.py", (50, 53), {"1.1": "the + eps/q is missing", "1.4": "the + eps/q is missing",
                                      "1.5": "disagree", "1.6": "eps/q is missing", "1.7": "eps/q is missing",
                                      "1.8": "eps/q is missing", "1.9": "eps/q is missing",
                                      "2.1": "eps/q is missing", "2.2": "eps/q is missing", "2.3": "eps/q is missing",
                                      "2.4": "eps/q is missing", "2.5": "eps/q is missing"}, "eps-over-q-missing"),
    # Spreading eps over the other q - 1 classes keeps sum(ys) = 1: consistent with its own loss (1.5 passes).
    ("eps_over_q_minus_1.py", (55, 59), {"1.1": "eps/(q - 1)", "1.4": "eps/(q - 1)", "1.6": "eps/(q - 1)",
                                         "1.7": "eps/(q - 1)", "1.8": "eps/(q - 1)", "1.9": "eps/(q - 1)",
                                         "2.1": "eps/(q - 1)", "2.2": "eps/(q - 1)", "2.3": "eps/(q - 1)",
                                         "2.4": "eps/(q - 1)", "2.5": "eps/(q - 1)"}, "eps-over-q-minus-1"),
    ("transposed_dW1.py", (92, 96), {"1.4": "dL/dW1: transposed", "1.5": "dL/dW1 has shape (4, 3), not W1's (3, 4)",
                                     "1.6": "transposed"}, "transposed"),
    ("unshifted_softmax.py", (90, 94), {"1.2": "the softmax overflows", "1.6": "the softmax overflows",
                                        "1.7": "overflows", "1.8": "overflows", "1.9": "overflows",
                                        "2.5": "overflows"}, "softmax-overflow"),
    ("relu_prime_one.py", (96, 99), {"1.6": "ReLU'(0) was taken as 1 where h is exactly 0", "1.7": "ReLU'(0)",
                                     "2.5": "ReLU'(0)"}, "relu-prime-at-zero"),
    ("sign_flip.py", (10, 14), {"1.4": "the wrong sign", "1.5": "disagree", "1.6": "the wrong sign",
                                "1.7": "wrong sign", "1.8": "wrong sign", "1.9": "wrong sign",
                                "2.1": "moved up the gradient", "2.2": "moved up", "2.3": "moved up",
                                "2.4": "moved up", "2.5": "moved up"}, "sign"),
    # The loss averaged over the q outputs, and the gradients with it: consistent with its own loss (1.5 passes).
    ("mean_over_outputs.py", (54, 58), {"1.3": "q (a mean over the outputs instead of the sum) times too small",
                                        "1.4": "a mean over the outputs", "1.6": "constant factor",
                                        "1.7": "constant factor", "1.8": "constant factor", "1.9": "constant factor",
                                        "2.1": "the step is 0.3333 times", "2.2": "0.3333 times",
                                        "2.3": "0.3333 times", "2.4": "0.3333 times", "2.5": "times -eta"}, "scaled"),
    ("no_learning_rate.py", (73, 77), {"2.1": "without the learning rate", "2.2": "without the learning rate",
                                       "2.3": "without the learning rate", "2.4": "without the learning rate",
                                       "2.5": "without the learning rate"}, "no-learning-rate"),
]


@pytest.mark.parametrize("file, scores, lost, tag", MISTAKES, ids=[m[0].removesuffix(".py") for m in MISTAKES])
def test_each_usual_mistake_is_named_and_gets_its_partial_credit(as_submission, file, scores, lost, tag):
    report = fake(as_submission(FILES / file, f"homework3_{file}"))
    assert scores[0] <= report.score <= scores[1], report.score
    tests = by_id(report)
    for item, text in lost.items():
        assert tests[item].score < tests[item].max_score, item
        assert text in tests[item].output, (item, tests[item].output)
    for item in set(tests) - set(lost):
        assert tests[item].status == "passed", (item, tests[item].output)
    named = [item for item in lost if tag in tests[item].mistakes]
    assert named and tests[named[0]].hint, (tag, {item: tests[item].mistakes for item in lost})


def test_a_slip_that_keeps_the_direction_earns_half_a_sign_flip_nothing(as_submission):
    half = by_id(fake(as_submission(FILES / "hard_labels.py", "homework3_h.py"), only=["1.4", "2.1"]))
    assert half["1.4"].score == 4 and half["2.1"].score == 4
    flipped = by_id(fake(as_submission(FILES / "sign_flip.py", "homework3_s.py"), only=["1.4", "2.1"]))
    assert flipped["1.4"].score == 0 and flipped["2.1"].score == 0


@pytest.mark.parametrize("file", ["loops.py", "columns.py"])
def test_loops_and_column_vectors_are_as_right_as_vectorised_flat_code(as_submission, file):
    report = grade(as_submission(FILES / file, f"homework3_label_smoothing_{file}"))
    assert report.score == 100, [(t.number, t.output) for t in report.tests if t.score < t.max_score]


def test_update_copied_from_a_notebook_earns_only_the_example(as_submission):
    report = fake(as_submission(FILES / "hardcoded_update.py", "homework3_copied.py"))
    tests = by_id(report)
    assert all(tests[item].status == "passed" for item in ITEMS if item != "2.5")
    assert tests["2.5"].score == 0 and "wrong shape" in tests["2.5"].output
    assert report.score == 80


@pytest.mark.parametrize("file", ["unshifted_softmax.py", "transposed_dW1.py", "relu_prime_one.py"])
def test_the_sandbox_gives_the_scores_of_the_in_process_fake(as_submission, file):
    # unshifted_softmax.py runs its example at import, without a __main__ guard, printing as it goes.
    path = as_submission(FILES / file, f"homework3_{file}")
    real, quick = grade(path), fake(path)
    assert [(t.number, t.score, t.output) for t in real.tests] == [(t.number, t.score, t.output) for t in quick.tests]


def test_grading_is_deterministic(as_submission):
    path = as_submission(FILES / "relu_prime_one.py", "homework3_twice.py")
    first, second = grade(path), grade(path)
    assert [(t.number, t.score, t.output) for t in first.tests] == [(t.number, t.score, t.output) for t in second.tests]


ALL = sorted(FILES.glob("*.py")) + [REFERENCE, STUB]


@pytest.mark.parametrize("source", ALL, ids=[p.stem for p in ALL])
def test_an_items_grade_does_not_depend_on_which_items_ran(as_submission, source):
    path = as_submission(source, f"homework3_{source.stem}.py")

    def outcomes(only, **options):
        return {t.number: (t.score, t.status, t.output, t.hint) for t in fake(path, only=only, **options).tests}

    everything = outcomes(ITEMS)
    assert outcomes(ITEMS[::-1]) == everything
    for item in ITEMS:
        assert outcomes([item]) == {item: everything[item]}, item
    assert outcomes(ITEMS, public_only=True) == {item: everything[item] for item in VISIBLE}


def test_a_students_copy_without_the_reference_names_the_mistake_at_the_example(course_copy, tmp_path):
    shutil.rmtree(course_copy / "reference")
    path = tmp_path / "homework3_label_smoothing_jsmith.py"
    shutil.copyfile(FILES / "no_uniform_term.py", path)
    report = grade_submission(path, assignment=assignments.get("hw3_label_smoothing"))
    assert not report.internal_errors
    tests = by_id(report)
    assert sorted(tests) == sorted(VISIBLE)
    assert "eps-over-q-missing" in tests["1.4"].mistakes and tests["1.4"].score == 4
    assert any("hidden items (44 points)" in note for note in report.notes)
