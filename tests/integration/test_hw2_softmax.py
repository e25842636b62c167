"""hw2_softmax graded end to end: the function items on the in-process fake
(fast, no data), training, the search and experiment tracking on the real
sandbox and the real Fashion-MNIST (Debian's dataset-fashion-mnist; skipped
with the reason when it is absent).

Test files in tests/data/submissions/hw2_softmax/ are written the way
students write this homework: the current starter's shape (search under
__main__, no alpha in the loss, data loaded at module level), older
interfaces, module-level scripts, loops, and one file per usual mistake.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS
from graded_classes import report_of
from grader import assignments
from grader.grading import grade_submission
from grader.sandbox.fake import InProcessSession

HW = assignments.get("hw2_softmax")
FILES = SUBMISSIONS / "hw2_softmax"
REFERENCE = REPO / "reference" / "hw2_softmax" / "solution.py"
STUB = REPO / "assignments" / "hw2_softmax" / "homework2_softmax.py"
FUNCTION_ITEMS = tuple(item.id for item in HW.items if not item.needs)
DATA_ITEMS = tuple(item.id for item in HW.items if item.needs)


def grade(path: Path, **options):
    report = grade_submission(path, assignment=HW, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def by_id(report):
    return {test.number: test for test in report.tests}


def explain(report):
    return [(t.number, t.score, t.output) for t in report.tests] + list(report.notes)


# -- the functions (P1, P2): one file per usual mistake, on the fake -------------------------
FUNCTIONS = [
    # file, score of the 23 function points, {item: substring of its feedback}, substring of a note
    ("wandb", 23, {}, None),
    ("loops", 23, {}, None),
    ("l2_convention", 23, {}, "alpha ||W||^2 and your gradient with 2 alpha W: consistent"),
    ("starter", 23, {}, "takes no alpha (the starter code's unregularised loss)"),
    ("script", 23, {}, "Cannot load backend 'TkAgg'"),
    ("transposed", 17.5, {"1.1": "dW is transposed: expected (6, 10) like W, got (10, 6)",
                          "1.3": "expected (784, 10) like W, got (10, 784)"}, None),
    ("summed", 14, {"1.3": "dW is n times too large", "1.4": "db is n times too large",
                    "1.5": "dW's data term is n times too large", "1.2": "disagree with finite differences"}, None),
    ("bias_reg", 20.2, {"1.6": "biases are not regularised", "2.3": "the biases are regularised too"}, None),
    ("sign", 8, {"1.3": "sign error: the result is the negative", "1.4": "sign error"}, None),
    ("overflow", 22, {"2.2": "returned NaN or inf for logits up to"}, None),
    ("int_labels", 14.5, {"1.3": "labels as class numbers 0..9", "2.5": "one-hot rows"}, None),
    # alpha is assigned only under __main__ (0.001): supplied, so the loss is regularised at alpha = 0
    ("global_alpha", 18.5, {"2.3": "alpha = 0: got 2.24768, expected 2.23996",
                            "1.2": "2 of 4 checks disagree with finite differences"},
     "the grader set alpha = 0.001 (your own value)"),
    ("old_fce", 0, {"2.1": "softmax is not defined in the submission"},
     "it defines fCE, gradfCE, fPC, softmaxRegression"),
]


@pytest.mark.parametrize("name, score, messages, note", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functions_earn_what_they_earn_and_mistakes_are_named(as_submission, name, score, messages, note):
    path = as_submission(FILES / f"homework2_softmax_{name}.py", f"homework2_softmax_{name}.py")
    report = grade(path, only=FUNCTION_ITEMS, session_factory=InProcessSession)
    assert report.score == pytest.approx(score), explain(report)
    tests = by_id(report)
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)
    if note:
        assert any(note in n for n in report.notes), report.notes


def test_the_reference_and_the_stub_on_the_functions(as_submission):
    reference = grade(as_submission(REFERENCE, "homework2_softmax_ref.py"), only=FUNCTION_ITEMS)
    assert reference.score == 23, explain(reference)
    stub = grade(as_submission(STUB, "homework2_softmax_jsmith.py"), only=FUNCTION_ITEMS)
    assert stub.score == 0 and all(t.not_implemented for t in stub.tests), explain(stub)


def test_mistakes_are_tagged_for_class_summaries(as_submission):
    report = grade(as_submission(FILES / "homework2_softmax_transposed.py", "homework2_softmax_t.py"),
                   only=("1.3",), session_factory=InProcessSession)
    assert by_id(report)["1.3"].mistakes == ("transposed",)
    assert json.loads(json.dumps(report.to_json()))["tests"][0]["mistakes"] == ["transposed"]


def test_the_published_example_is_the_references(as_submission):
    import numpy as np

    from grader import plugin

    solution = plugin.module(HW, "solution")
    example = {key: np.array(value, dtype=float) for key, value in HW.public_answers()["example"].items()}
    X, W, b = example["X"], example["W"], example["b"]
    Y = np.eye(10)[example["labels"].astype(int)]
    assert np.allclose(solution.softmax(X @ W + b), example["probabilities"], rtol=1e-12)
    assert solution.cross_entropy_loss(W, b, X, Y, 0.1) == pytest.approx(example["loss_alpha"], rel=1e-12)
    dW, db = solution.compute_gradient(W, b, X, Y, 0.1)
    assert np.allclose(dW, example["dW_alpha"], rtol=1e-12) and np.allclose(db, example["db_alpha"], rtol=1e-12)
    assert solution.compute_accuracy(W, b, X, Y) == example["accuracy"] == 0.4


# -- training, the search, experiment tracking: the real sandbox and data ----------------------
def test_the_reference_earns_full_marks_on_the_quick_profile(quick_grades):
    result = quick_grades("hw2_softmax")["homework2_softmax_reference.py"]
    report = report_of(result, [test["number"] for test in result["tests"]])
    assert not report.internal_errors and report.score == report.max_score == 41, explain(report)
    assert "9 runs, one per setting" in by_id(report)["3.A"].output


@pytest.mark.slow
def test_the_reference_earns_full_marks_on_the_full_fashion_mnist(as_submission, fashion_data_dir):
    report = grade(as_submission(REFERENCE, "homework2_softmax_ref.py"), data_dir=fashion_data_dir)
    tests = by_id(report)
    assert report.score == 41, explain(report)
    assert report.profile == "official" and "9 distinct setting(s)" in tests["2.7"].output
    assert "official profile" in tests["2.8"].output
    print(f"\nofficial reference: {tests['2.8'].output}; {report.execution_time:.1f} s")


def test_the_stub_earns_nothing_and_says_what_is_missing(quick_grades):
    result = quick_grades("hw2_softmax")["homework2_softmax_stub.py"]
    report = report_of(result, [test["number"] for test in result["tests"]])
    assert not report.internal_errors and report.score == 0, explain(report)
    assert "not implemented" in by_id(report)["2.7"].output


DATA = [
    # file, {item: score}, {item: substring of its feedback}
    ("wandb", {"2.6": 2, "2.7": 4, "2.8": 6, "3.A": 4, "3.B": 2},
     {"3.A": "11 runs, one per setting, in project 'hw2-softmax-jsmith'"}),
    ("starter", {"2.6": 2, "2.7": 0, "3.A": 0, "3.B": 0},
     {"2.7": "findBestHyperparameters is not defined", "2.8": "the fixed-setting run",
      "3.A": "no search to track"}),
    ("script", {"2.6": 2, "2.7": 4, "2.8": 6, "3.A": 4, "3.B": 2}, {}),
    ("int_labels", {"2.6": 2, "2.7": 4, "3.A": 4, "3.B": 2}, {}),
    ("tracking_partial", {"2.7": 4, "3.B": 0},
     {"3.A": "still open when the next wandb.init came without reinit=True",
      "3.B": "0 row(s) with a validation loss and accuracy"}),
]


@pytest.mark.parametrize("name, scores, messages", DATA, ids=[d[0] for d in DATA])
def test_training_search_and_tracking_on_real_files(quick_grades, name, scores, messages):
    report = report_of(quick_grades("hw2_softmax")[f"homework2_softmax_{name}__hw2_softmax.py"], DATA_ITEMS)
    assert not report.internal_errors, report.internal_errors
    tests = by_id(report)
    for item, score in scores.items():
        assert tests[item].score == pytest.approx(score), (item, explain(report))
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)
    if name == "starter":
        assert 0 < tests["2.8"].score and tests["2.7"].hint and "add findBestHyperparameters" in tests["2.7"].hint
    if name == "tracking_partial":
        assert 0 < tests["3.A"].score < 2, tests["3.A"].output


def test_the_test_set_never_reaches_student_code(tmp_path, fashion_data_dir):
    from grader import datasets

    ds = datasets.available("fashion_mnist", data_dir=fashion_data_dir)
    source = (FILES / "homework2_softmax_wandb.py").read_text().split("if __name__")[0]
    source += f'''
_real_train = train_softmax_classifier


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, **kwargs):
    # the hyperparameters arrive under the stub's names through **kwargs
    import os
    leaks = []
    for path in {[str(ds.path("test", "images")), str(ds.path("test", "labels"))]!r}:
        try:
            np.load(path)
            leaks.append(path)
        except PermissionError:
            pass
    print("LEAKS", leaks, len(train_images), len(val_images))
    return _real_train(train_images, train_labels, val_images, val_labels, **kwargs)
'''
    path = tmp_path / "homework2_softmax_snoop.py"
    path.write_text(source)
    report = grade(path, only=("2.6",), profile="quick", data_dir=fashion_data_dir)
    assert "LEAKS [] 10000 10000" in report.stdout, report.stdout[-500:]
    assert by_id(report)["2.6"].score == 2
