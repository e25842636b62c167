"""Manifests and file-name detection."""

from __future__ import annotations

import pytest

from grader import assignments
from grader.errors import ConfigError, UnknownAssignmentError


@pytest.mark.parametrize(
    "name", ["homework2_affine_jsmith.py", "HOMEWORK2_AFFINE_JSmith.py", "hw2_affine_ab12.py", "affine_maps.py"],
)
def test_detects_the_assignment_from_the_file_name(name):
    assert assignments.detect(name).id == "hw2_affine"


@pytest.mark.parametrize("name", ["homework.py", "hw2.py", "notes.txt"])
def test_unknown_file_names_say_how_to_fix_it(name):
    with pytest.raises(UnknownAssignmentError, match="--assignment"):
        assignments.detect(name)


@pytest.mark.parametrize("name", ["hw99", "../reference", ""])
def test_unknown_or_unsafe_assignment_ids_are_refused(name):
    with pytest.raises(UnknownAssignmentError):
        assignments.get(name)


def test_manifest_points_match_the_course():
    hw = assignments.get("hw2_affine")
    assert hw.points == 15 and hw.default_profile == "official"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("schema_version = 2\n", "schema_version 2"),
        ("schema_version = 1\nid = 'x'\n", "missing 'title'"),
        ("this is not toml", "assignment.toml"),
        ("schema_version = 1\nid='bad'\ntitle='t'\nfile_patterns=['a*.py']\nstub='s.py'\n"
         "[[items]]\nid='1'\nname='n'\npoints=-1\ncheck='c'\n", "bad visibility or points"),
        ("schema_version = 1\nid='other'\ntitle='t'\nfile_patterns=['a*.py']\nstub='s.py'\n", "differs from its folder"),
        ("schema_version = 1\nid='bad'\ntitle='t'\nfile_patterns=['a*.py']\nstub='s.py'\n[limits]\nwall=3\n",
         "unknown limits"),
    ],
)
def test_invalid_manifests_are_config_errors(tmp_path, text, says):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "assignment.toml").write_text(text)
    with pytest.raises(ConfigError, match=says):
        assignments.load_manifest(folder)
