"""The course folder is found by what it holds, never by where the grader
package was installed; the release's build file comes from the installed
metadata when there is no checkout; a missing course library is named as
such."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from grader import distribution, paths
from grader.checks import diagnostics
from grader.errors import ConfigError
from grader.sandbox.session import StudentError


@pytest.fixture(autouse=True)
def no_course_variable(monkeypatch):
    """GRADER_COURSE_DIR unset, and restored after the test."""
    monkeypatch.setenv(paths.COURSE_DIR_ENV, "")
    monkeypatch.delenv(paths.COURSE_DIR_ENV)


def _course(root: Path, *, marker: str) -> Path:
    (root / "assignments").mkdir(parents=True)
    if marker == "course.toml":
        (root / marker).write_text("schema_version = 1\n")
    else:
        (root / marker).mkdir()
    return root


@pytest.mark.parametrize("marker", ["course.toml", "reference", "datasets"])
def test_a_folder_with_assignments_and_a_marker_is_a_course(tmp_path, marker):
    assert paths.is_course(_course(tmp_path / "c", marker=marker))


@pytest.mark.parametrize("contents", [[], ["assignments"], ["reference", "datasets"], ["lib", "site-packages"]])
def test_other_folders_are_not_courses(tmp_path, contents):
    for name in contents:
        (tmp_path / name).mkdir()
    assert not paths.is_course(tmp_path)


def test_the_environment_variable_wins(tmp_path, monkeypatch):
    course = _course(tmp_path / "elsewhere", marker="reference")
    monkeypatch.setenv(paths.COURSE_DIR_ENV, str(course))
    monkeypatch.chdir(_course(tmp_path / "here", marker="course.toml"))
    assert paths.course_dir() == course.resolve()


def test_a_variable_that_names_no_course_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.COURSE_DIR_ENV, str(tmp_path))
    with pytest.raises(ConfigError, match="not a course folder"):
        paths.course_dir()


def test_the_nearest_course_above_the_working_folder(tmp_path, monkeypatch):
    release = _course(tmp_path / "release", marker="course.toml")
    (release / "work" / "deep").mkdir(parents=True)
    monkeypatch.chdir(release / "work" / "deep")
    assert paths.course_dir() == release.resolve()


def test_the_file_s_own_course_is_used_wherever_grade_was_started(tmp_path, monkeypatch):
    release = _course(tmp_path / "hw3", marker="course.toml")
    monkeypatch.chdir(_course(tmp_path / "hw2", marker="course.toml"))
    with paths.course_of(release / "homework3_me.py"):
        assert paths.course_dir() == release.resolve()
    assert paths.course_dir() == (tmp_path / "hw2").resolve()  # nothing left behind
    assert paths.COURSE_DIR_ENV not in os.environ


def test_an_installed_package_s_folder_is_never_the_course(tmp_path, monkeypatch):
    """The package's parent is site-packages in a regular install: no course
    there, so outside any course folder grade says how to find one."""
    monkeypatch.chdir(tmp_path)
    fake_package = tmp_path / "lib" / "python3.11" / "site-packages" / "grader"
    fake_package.mkdir(parents=True)
    monkeypatch.setattr(paths, "__file__", str(fake_package / "paths.py"))
    assert paths.checkout_dir() is None
    with pytest.raises(ConfigError, match="no course folder here"):
        paths.course_dir()


# -- the release's build file from the installed metadata ---------------------------------------
@pytest.mark.parametrize(("line", "expected"), [
    ("numpy>=1.24", ("numpy>=1.24", None)),
    ('tomli>=2; python_version < "3.11"', ('tomli>=2; python_version < "3.11"', None)),
    ('scipy; extra == "student"', ("scipy", "student")),
    ('grade[report]; extra == "test"', ("grade[report]", "test")),
    ('pywin32; sys_platform == "win32" and extra == "student"', ('pywin32; sys_platform == "win32"', "student")),
])
def test_requires_dist_lines_split_into_requirement_and_extra(line, expected):
    assert distribution.split_extra(line) == expected


def test_the_metadata_build_file_declares_what_the_project_declares(repo):
    """What an installed grader writes for a release matches the checkout's
    own pyproject.toml: dependencies, every extra, the entry point."""
    written = tomllib.loads(distribution.pyproject_from_metadata())["project"]
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    normal = lambda items: sorted(item.replace("'", '"').replace(" ", "") for item in items)  # noqa: E731
    assert normal(written["dependencies"]) == normal(project["dependencies"])
    assert {k: normal(v) for k, v in written["optional-dependencies"].items()} == {
        k: normal(v) for k, v in project["optional-dependencies"].items()}
    assert written["scripts"] == project["scripts"]
    assert distribution.STUDENT_EXTRA in project["optional-dependencies"]


# -- a course library the grader was installed without ------------------------------------------
def _import_error(module: str) -> StudentError:
    return StudentError(kind="exception", exc_type="ModuleNotFoundError", message=f"No module named '{module}'",
                        line=3)


def test_a_missing_course_library_is_named_as_such_not_listed_as_available(monkeypatch):
    monkeypatch.setattr(distribution, "installed_student_modules", lambda: ("numpy",))
    text = diagnostics.explain(_import_error("scipy"))
    assert "one of the course's libraries" in text and "[student]" in text
    assert "available:" not in text  # no "not available (available: ..., scipy, ...)"


def test_an_unoffered_module_lists_only_the_libraries_that_are_there(monkeypatch):
    monkeypatch.setattr(distribution, "installed_student_modules", lambda: ("numpy", "scipy"))
    text = diagnostics.explain(_import_error("torch"))
    assert "'torch'" in text and "available: numpy, scipy and the standard library" in text


def test_a_missing_part_of_an_installed_library_says_so():
    text = diagnostics.explain(_import_error("numpy.nosuchthing"))
    assert "numpy does not have" in text
