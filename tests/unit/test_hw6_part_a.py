"""hw6_mnist's part (a) gradient checks on the usual real mistakes, on the
in-process fake: no sandbox, no data, the child's own call code. Each mistake
earns exactly its partial credit and is named in course terms."""

from __future__ import annotations

import pytest

from course_files import REPO, SUBMISSIONS
from grader import assignments
from grader.grading import grade_submission
from grader.sandbox.fake import InProcessSession

HW = assignments.get("hw6_mnist")
ITEMS = ("a.1", "a.2", "a.3", "a.4", "a.5", "a.6", "a.7")
FULL = (5, 10, 8, 5, 8, 5, 4)

MISTAKES = [
    # file, scores of a.1-a.7, {item: substring of its feedback}
    ("summed", (5, 10, 4, 5, 4, 5, 2),
     {"a.3": "dW1 and dW2 are n times too large: the batch gradient must be averaged, as b1 and b2 already are",
      "a.4": "matches", "a.5": "n times too large", "a.7": "2 of 4 blocks disagree"}),
    ("default_reg", (5, 10, 4, 5, 4, 5, 2),
     {"a.3": "correct with alpha=0", "a.5": "regularisation term 0.01 * W2", "a.6": "matches"}),
    ("bias_reg", (5, 10, 4, 0, 4, 0, 0), {"a.4": "biases are not regularised", "a.6": "biases are not regularised"}),
    ("relu_sign", (5, 10, 0, 0, 8, 5, 2),
     {"a.3": "relu' taken as the sign of z1", "a.4": "relu' taken as the sign", "a.5": "matches"}),
    ("relu_inplace", (5, 10, 8, 5, 0, 5, 3), {"a.5": "computed in place", "a.3": "matches"}),
    ("global_softmax", (5, 0, 0, 0, 0, 0, 0),
     {"a.2": "normalised over the whole matrix", "a.3": "normalised over the whole matrix"}),
    ("transposed_grad", (5, 10, 4, 5, 8, 5, 3), {"a.3": "packed transposed", "a.5": "matches"}),
    # graded on its math right after fCE, at STATE_CREDIT (half) for the dependence
    ("state", (5, 10, 4, 2.5, 4, 2.5, 2),
     {"a.3": "only right when fCE has just run", "a.7": "values fCE left in globals"}),
    ("zero_init", FULL, {}),
]


def grade(source):
    report = grade_submission(source, assignment=HW, only=ITEMS, session_factory=InProcessSession)
    assert not report.internal_errors, report.internal_errors
    return {t.number: t for t in report.tests}


@pytest.mark.parametrize("name, scores, messages", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_usual_mistake_gets_its_partial_credit_and_is_named(name, scores, messages, as_submission):
    tests = grade(as_submission(SUBMISSIONS / "hw6" / f"homework6_{name}.py", f"homework6_{name}.py"))
    assert tuple(tests[item].score for item in ITEMS) == scores, [(t.number, t.output) for t in tests.values()]
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)


def test_the_reference_earns_every_gradient_point_and_the_stub_none(as_submission):
    reference = grade(as_submission(REPO / "reference" / "hw6_mnist" / "solution.py", "homework6_reference.py"))
    assert tuple(reference[item].score for item in ITEMS) == FULL
    stub = grade(as_submission(REPO / "assignments" / "hw6_mnist" / "homework6.py", "homework6_jsmith.py"))
    assert all(test.score == 0 for test in stub.values())
    assert stub["a.3"].not_implemented == "gradCE"
