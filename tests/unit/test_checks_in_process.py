"""The hw2_affine checks, run against the in-process fake session: fast, and
the same verdicts as through the real sandbox."""

from __future__ import annotations

import pytest

from course_files import REPO, SUBMISSIONS
from grader import assignments
from grader.grading import grade_submission
from grader.sandbox.fake import InProcessSession

HW = assignments.get("hw2_affine")


@pytest.mark.parametrize(
    ("source", "score"),
    [
        (REPO / "reference" / "hw2_affine" / "solution.py", 15),
        (REPO / "assignments" / "hw2_affine" / "homework2_affine.py", 0),
        (SUBMISSIONS / "hw2_affine" / "transposed_backward.py", pytest.approx(11.667, abs=0.01)),
        (SUBMISSIONS / "hw2_affine" / "two_layers_only.py", pytest.approx(11.8, abs=0.01)),
    ],
)
def test_checks_give_the_same_scores_in_process_as_in_the_sandbox(as_submission, source, score):
    path = as_submission(source, "homework2_affine_fake.py")
    fake = grade_submission(path, assignment=HW, session_factory=InProcessSession)
    assert not fake.internal_errors and fake.score == score
    real = grade_submission(path, assignment=HW)
    assert [(t.number, t.score) for t in fake.tests] == [(t.number, t.score) for t in real.tests]
