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
