"""The command-line contract (SPEC section 2): exit codes, JSON on stdout, detection."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from course_files import REPO
from grader import __version__
from grader.cli import main

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
TEST_KEYS = {"name", "number", "score", "max_score", "status", "output", "visibility"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "160"})


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.output


def test_list_shows_every_assignment_with_points_and_pattern():
    result = run("list")
    assert result.exit_code == 0
    assert "hw2_affine" in result.output and "homework2_affine*.py" in result.output and "15" in result.output


def test_submit_json_to_stdout_is_one_object_following_the_schema(as_submission):
    path = as_submission(REFERENCE, "homework2_affine_jsmith.py")
    # A real process, so nothing but the JSON may reach stdout.
    completed = subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(path), "--json", "-"],
                               capture_output=True, text=True, timeout=60,
                               env={**os.environ, "COLUMNS": "100"})
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["assignment"] == "hw2_affine" and result["submission"] == "homework2_affine_jsmith.py"
    assert result["score"] == result["max_score"] == 15.0
    assert result["profile"] == "official" and result["schema_version"] == 2
    assert result["figures"] == {}  # hw2_affine trains nothing: no figures to draw
    assert isinstance(result["execution_time"], float)
    for test in result["tests"]:
        assert TEST_KEYS <= set(test)
        assert test["status"] in {"passed", "partial", "failed", "error", "skipped"}
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in {"visible", "hidden"}


def test_submit_shows_a_table_the_total_and_what_to_fix(as_submission):
    path = as_submission(REPO / "tests" / "data" / "submissions" / "hw2_affine" / "transposed_backward.py",
                         "homework2_affine_t.py")
    result = run("submit", str(path))
    assert result.exit_code == 0
    assert "Total: 11.67 / 15" in result.output
    assert "What to fix" in result.output and "transposed" in result.output


def test_submit_writes_json_and_report_files(as_submission, tmp_path):
    path = as_submission(REFERENCE, "homework2_affine_a.py")
    result = run("submit", str(path), "--json", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.html"))
    assert result.exit_code == 0
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 15
    assert "<html" in (tmp_path / "r.html").read_text().lower()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["submit", "no_such_file.py"], "no such file"),
        (["submit", "{file}", "--assignment", "hw99"], "unknown assignment"),
        (["submit", "{other}"], "cannot tell which assignment"),
        (["submit", "{file}", "--profile", "fast"], "Invalid value"),
        (["submit", "{file}", "--timeout", "-3"], "positive"),
        (["frobnicate"], "No such command"),
    ],
)
def test_usage_errors_exit_with_status_2(as_submission, args, says):
    file = as_submission(REFERENCE, "homework2_affine_b.py")
    other = as_submission(REFERENCE, "my_homework.py")
    result = run(*[arg.format(file=file, other=other) for arg in args])
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_assignment_option_overrides_detection(as_submission):
    path = as_submission(REFERENCE, "whatever.py")
    result = run("submit", str(path), "--assignment", "hw2_affine", "--json", "-")
    assert result.exit_code == 0 and json.loads(result.output)["score"] == 15


def test_broken_course_folder_is_an_internal_error_not_a_crash(tmp_path, monkeypatch, as_submission):
    (tmp_path / "assignments" / "hw2_affine").mkdir(parents=True)
    (tmp_path / "assignments" / "hw2_affine" / "assignment.toml").write_text("schema_version = 99\n")
    monkeypatch.setenv("GRADER_COURSE_DIR", str(tmp_path))
    result = run("list")
    assert result.exit_code == 2 and "schema_version 99" in result.output
