"""Grading and datasets: fetch what an assignment needs, skip what cannot be had."""

from __future__ import annotations

import pytest

from course_files import REPO
from grader import assignments, datasets
from grader.grading import grade_submission
from grader.progress import Message

HW6 = assignments.get("hw6_mnist")
REFERENCE = REPO / "reference" / "hw6_mnist" / "solution.py"
NEEDS_DATA = {item.id for item in HW6.items if item.needs}


def test_items_needing_a_missing_dataset_are_skipped_with_the_fix_and_the_rest_graded(tmp_path, as_submission):
    path = as_submission(REFERENCE, "homework6_reference.py")
    report = grade_submission(path, assignment=HW6, data_dir=tmp_path / "empty", fetch=False)
    assert NEEDS_DATA and not report.internal_errors
    for test in report.tests:
        if test.number in NEEDS_DATA:
            assert test.status == "skipped" and test.score == 0
            assert "grade datasets fetch mnist" in test.output and "grade datasets import mnist --from" in test.output
        else:
            assert test.status == "passed", (test.number, test.output)
    assert report.max_score == 80


def test_grading_fetches_a_missing_dataset_from_the_mirror_first(tmp_path, monkeypatch, mnist_data_dir, as_submission):
    # The cached files carry the S3 names, so the cache folder is a valid mirror.
    monkeypatch.setenv("GRADER_MIRROR", str(mnist_data_dir / "mnist"))
    cache = tmp_path / "cache"
    messages: list[str] = []
    report = grade_submission(as_submission(REFERENCE, "homework6_reference.py"), assignment=HW6, data_dir=cache,
                              only={"a.1", "a.8"}, profile="quick",
                              progress=lambda event: messages.append(event.text) if isinstance(event, Message) else None)
    assert datasets.available("mnist", data_dir=cache) is not None
    assert any("Fetching the mnist dataset" in message for message in messages)
    statuses = {test.number: test.status for test in report.tests}
    assert statuses == {"a.1": "passed", "a.8": "passed"}, report.tests
