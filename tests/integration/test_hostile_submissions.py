"""Submissions that crash, hang, exit, lie or attack: each is graded, none
crashes the grader, none earns a point it did not earn.

Every case is the reference solution with one poison added, so the test can
say exactly which points the poison must cost. Attacks on the course's files
aim at a temporary copy of the course folder (``course_copy``), never at the
checkout: a sandbox regression fails a test instead of damaging the tree.
"""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from grader import assignments
from grader.cli import main
from grader.grading import grade_submission
from poisons import ALL, COURSE, POISONS, REFERENCE_SOURCE, shorten_calls

HW = assignments.get("hw2_affine")
CALL_SECONDS = 2


@pytest.fixture
def course(course_copy):
    """The course copy with tighter limits than the course's own (10 s a call):
    hanging submissions are stopped the same way, sooner."""
    shorten_calls(course_copy, CALL_SECONDS)
    return course_copy


@pytest.fixture
def poisoned_course(course_copy, request):
    """The course copy for one poison: tight limits unless it imports a lot."""
    if not POISONS[request.node.callspec.params["name"]].heavy:
        shorten_calls(course_copy, CALL_SECONDS)
    return course_copy


@pytest.mark.parametrize("name", sorted(POISONS))
def test_hostile_submission_is_graded_safely(tmp_path, poisoned_course, name):
    course = poisoned_course
    poison = POISONS[name]
    source = poison.source + REFERENCE_SOURCE if poison.prefix else REFERENCE_SOURCE + poison.source
    path = tmp_path / f"homework2_affine_{name}.py"
    path.write_text(source.replace(COURSE, str(course)))
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    started = time.monotonic()
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    assert time.monotonic() - started < HW.limits.wall_seconds + 15
    assert not report.internal_errors
    results = {test.number: test for test in report.tests}
    for item, test in results.items():
        if item in poison.loses:
            assert test.score == 0, (item, test.output)
            assert poison.status is None or test.status == poison.status, (item, test.status, test.output)
        else:
            assert test.status == "passed", (item, test.output)
    text = " ".join(test.output for test in report.tests) + " ".join(report.notes)
    assert poison.says in text
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before
    if poison.recovered:
        assert any("if __name__" in note for note in report.notes), report.notes
    elif poison.loses != ALL:  # the plain import worked: no word of a failed one
        assert not any("could not be imported" in note or "Importing your file failed" in note
                       for note in report.notes), report.notes


def test_cli_grades_a_crashing_submission_with_exit_status_zero(tmp_path):
    path = tmp_path / "homework2_affine_crash.py"
    path.write_text(REFERENCE_SOURCE + POISONS["os_exit_in_function"].source)
    result = CliRunner().invoke(main, ["submit", str(path), "--json", "-"])
    assert result.exit_code == 0, result.output
    assert '"score": 10.0' in result.output


def test_output_a_submission_prints_is_kept_but_capped(tmp_path):
    path = tmp_path / "homework2_affine_loud.py"
    path.write_text(REFERENCE_SOURCE + POISONS["floods_stdout"].source)
    report = grade_submission(path, assignment=HW)
    assert report.score == 15
    assert len(report.stdout) < HW.limits.output_bytes + 200
    assert "more bytes of output not kept" in report.stdout


def test_a_function_that_hung_once_is_not_called_again(tmp_path, course):
    path = tmp_path / "homework2_affine_hangs.py"
    path.write_text(REFERENCE_SOURCE + POISONS["endless_loop_in_function"].source)
    started = time.monotonic()
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    tests = {test.number: test for test in report.tests}
    assert "did not finish within" in tests["8.example"].output
    assert "not called again" in tests["8.hidden"].output
    # One timeout, not one per item or per case.
    assert time.monotonic() - started < 2 * CALL_SECONDS + 2


def test_a_submission_cannot_change_files_outside_its_working_folder(tmp_path, course_copy):
    reference = course_copy / "reference" / "hw2_affine" / "solution.py"
    before = reference.read_bytes()
    victim = tmp_path / "classmate.py"
    victim.write_text("x = 1\n")
    path = tmp_path / "homework2_affine_vandal.py"
    path.write_text(REFERENCE_SOURCE + f"""
import os
def ComputeGradients(L, x, z):
    for attempt in (lambda: os.remove({str(victim)!r}), lambda: os.rename({str(victim)!r}, {str(victim)!r} + ".bak"),
                    lambda: os.chmod({str(reference)!r}, 0), lambda: open({str(reference)!r}, "a").write("#")):
        try:
            attempt()
        except PermissionError:
            pass
    raise RuntimeError("done")
""")
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    assert report.score == 10
    assert victim.read_text() == "x = 1\n" and reference.read_bytes() == before
    assert reference.stat().st_mode & 0o444
