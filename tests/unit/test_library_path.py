"""Which of the grader's sys.path entries the child gets (and may read)."""

from __future__ import annotations

import sys
from pathlib import Path

from course_files import REPO
from grader.sandbox import subprocess_session


def test_child_gets_libraries_but_not_the_course_folder(tmp_path, monkeypatch):
    venv_site = REPO / ".venv-test-only" / "lib" / "python3.11" / "site-packages"
    stdlib = tmp_path / "stdlib"
    for folder in (venv_site, stdlib):
        folder.mkdir(parents=True, exist_ok=True)
    try:
        monkeypatch.setattr(sys, "path", ["", str(REPO), str(REPO / "tests"), str(REPO.parent), str(venv_site),
                                          str(stdlib), "relative/dir"])
        kept = [Path(entry) for entry in subprocess_session._library_path()]
        assert kept == [venv_site.resolve(), stdlib.resolve()]
    finally:
        import shutil

        shutil.rmtree(REPO / ".venv-test-only")


def test_a_child_that_cannot_start_is_a_grader_error_not_a_grade(tmp_path, monkeypatch):
    import pytest

    from grader.errors import SandboxError
    from grader.sandbox import Limits, SubprocessSession

    submission = tmp_path / "homework2_affine_x.py"
    submission.write_text("x = 1\n")
    # With no library folders on its path the harness dies before any student code runs.
    monkeypatch.setattr(subprocess_session, "_library_path", lambda: [str(tmp_path)])
    with SubprocessSession(submission, module_name="homework2_affine_x", limits=Limits()) as session:
        with pytest.raises(SandboxError, match="(?s)failed to start.*ModuleNotFoundError"):
            session.load()
