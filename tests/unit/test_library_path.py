"""Which of the grader's sys.path entries the child gets (and may read)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.errors import SandboxError
from grader.sandbox import Limits, SubprocessSession, subprocess_session


def test_child_gets_libraries_but_not_the_course_folder(tmp_path, monkeypatch):
    course = tmp_path / "course"
    venv_site = course / ".venv" / "lib" / "python3.11" / "site-packages"
    stdlib = tmp_path / "stdlib"
    for folder in (course / "tests", venv_site, stdlib):
        folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(sys, "path", ["", str(course), str(course / "tests"), str(tmp_path), str(venv_site),
                                      str(stdlib), "relative/dir"])
    kept = [Path(entry) for entry in subprocess_session._library_path(course)]
    assert kept == [venv_site.resolve(), stdlib.resolve()]


def test_a_child_that_cannot_start_is_a_grader_error_not_a_grade(tmp_path, monkeypatch):
    submission = tmp_path / "homework2_affine_x.py"
    submission.write_text("x = 1\n")
    # With no library folders on its path the harness dies before any student code runs.
    monkeypatch.setattr(subprocess_session, "_library_path", lambda: [str(tmp_path)])
    with SubprocessSession(submission, module_name="homework2_affine_x", limits=Limits()) as session:
        with pytest.raises(SandboxError, match="(?s)failed to start.*ModuleNotFoundError"):
            session.load()
