"""Which of the grader's sys.path entries the child gets (and may read)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from course_files import REPO
from grader.errors import SandboxError
from grader.sandbox import Limits, SubprocessSession, lifecycle, runtime


def test_child_gets_libraries_but_not_the_course_folder(tmp_path, monkeypatch):
    course = tmp_path / "course"
    venv = course / ".venv"
    venv_site = venv / "lib" / "python3.11" / "site-packages"
    stdlib = tmp_path / "runtime" / "lib" / "python3.11"
    extra = tmp_path / "opt" / "libs"  # a .pth file's folder, outside every prefix
    submissions = tmp_path / "class"
    for folder in (course / "tests", venv_site, stdlib, submissions, extra):
        folder.mkdir(parents=True, exist_ok=True)
    # `python -m grader.cli` run from the submissions' folder puts it first.
    monkeypatch.setattr(sys, "path", [str(submissions), "", str(course), str(course / "tests"), str(tmp_path),
                                      str(venv_site), str(stdlib), str(extra), "relative/dir"])
    kept = [Path(entry) for entry in runtime.library_path(
        (str(course), str(submissions)), roots=(venv.resolve(), (tmp_path / "runtime").resolve()))]
    assert kept == [venv_site.resolve(), stdlib.resolve(), extra.resolve()]


def test_the_folder_python_started_from_is_left_out(tmp_path, monkeypatch):
    """Run from any folder (here one that holds nothing denied), that folder is not a library."""
    started = tmp_path / "somewhere"
    site = tmp_path / "prefix" / "lib" / "python3.11" / "site-packages"
    for folder in (started, site):
        folder.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(started), str(site)])
    kept = runtime.library_path((), roots=((tmp_path / "prefix").resolve(),), startup=started.resolve())
    assert kept == [str(site.resolve())]


def test_a_course_inside_the_prefix_stays_out(tmp_path, monkeypatch):
    """A course kept inside the interpreter's prefix (say /usr/local/course): the course is left out,
    the stdlib and site-packages beside it are kept."""
    prefix = tmp_path / "prefix"
    stdlib, site = prefix / "lib" / "python3.11", prefix / "lib" / "python3.11" / "site-packages"
    course = prefix / "course"
    for folder in (site, course, course / "lib"):
        folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(sys, "path", [str(course), str(course / "lib"), str(stdlib), str(site), str(prefix)])
    kept = runtime.library_path((str(course),), roots=(prefix.resolve(), site.resolve()))
    assert kept == [str(stdlib.resolve()), str(site.resolve())]


def test_the_real_library_path_leaves_out_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    kept = runtime.library_path((str(tmp_path),))
    assert str(tmp_path.resolve()) not in kept and any("site-packages" in entry for entry in kept)
    assert not any(Path(entry) == REPO or Path(entry) in REPO.parents for entry in map(Path, kept))


def test_a_child_that_cannot_start_is_a_grader_error_not_a_grade(tmp_path, monkeypatch):
    submission = tmp_path / "homework2_affine_x.py"
    submission.write_text("x = 1\n")
    # With no library folders on its path the harness dies before any student code runs.
    monkeypatch.setattr(lifecycle, "library_path", lambda *deny: [str(tmp_path)])
    with SubprocessSession(submission, module_name="homework2_affine_x", limits=Limits()) as session:
        with pytest.raises(SandboxError, match="(?s)failed to start.*ModuleNotFoundError"):
            session.load()
