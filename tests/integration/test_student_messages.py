"""What a student (or the instructor running a class) reads, checked the way they read it: an output
place that cannot be written is refused in one line before any grading, the tables are readable at
80 columns, and the quick profile's duration is the measured one everywhere it is stated."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from course_files import REPO
from grader import assignments
from grader.cli import main, terminal
from grader.publish import publish
from grader.report import GradeReport
from grader.reporters import json_reporter
from grader.rubric import CheckResult

AFFINE = REPO / "reference" / "hw2_affine" / "solution.py"
QUICK = [a.id for a in assignments.all_assignments() if "quick" in a.profiles]
NARROW = {"COLUMNS": "80"}
LONG = "a-folder-name-long-enough/that-a-path-in-it-is-wider-than-the-eighty-columns-of-a-terminal"
"""Paths that do not fit an 80-column line: rich must not break them."""


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env or NARROW)


def partials(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.partial")) if folder.is_dir() else []


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


# -- output places that cannot be written ---------------------------------------------------------

# A read-only place for everyone, root included: sysfs takes no new files from anyone (while
# ``os.access`` says root may write there), so permission bits alone cannot be what the check trusts.
SYSFS = Path("/sys/grade-result")

UNWRITABLE_FILES = [
    pytest.param(lambda tmp: tmp / "no-such-folder" / "result.{ext}", "does not exist", id="missing-folder"),
    pytest.param(lambda tmp: tmp, "it is a folder", id="a-directory"),
    pytest.param(lambda tmp: Path(f"{SYSFS}.{{ext}}"), "does not take new files", id="read-only-sysfs"),
]


@pytest.fixture
def no_grading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the core's grading entry points: any call is recorded (and the test fails)."""
    started: list[str] = []

    def grade(*args: object, **kwargs: object) -> None:
        started.append("grading")
        raise AssertionError("grading started although the output cannot be written")

    monkeypatch.setattr("grader.cli.submit.grade_submission", grade)
    monkeypatch.setattr("grader.cli.batch.grade_batch", grade)
    return started


def assert_refused_in_one_line(result, target: Path, says: str) -> None:
    assert result.exit_code == 2, result.output
    shown = lines(result.output)
    assert len(shown) == 1, result.output
    assert shown[0].startswith("error: cannot write") and str(target) in shown[0] and says in shown[0]


@pytest.mark.parametrize("option", ["--json", "--report"])
@pytest.mark.parametrize(("where", "says"), UNWRITABLE_FILES)
def test_an_unwritable_result_file_is_refused_in_one_line_before_grading(tmp_path, as_submission, no_grading,
                                                                         option, where, says):
    target = Path(str(where(tmp_path / "out")).format(ext="json" if option == "--json" else "html"))
    (tmp_path / "out").mkdir()
    file = as_submission(AFFINE, "homework2_affine_jsmith.py")
    result = run("submit", str(file), option, str(target))
    assert_refused_in_one_line(result, target, says)
    assert no_grading == []
    assert partials(tmp_path) == []


@pytest.mark.parametrize(("where", "says"), UNWRITABLE_FILES)
def test_grade_report_refuses_an_unwritable_page_the_same_way(tmp_path, where, says):
    saved = tmp_path / "result.json"
    saved.write_text(json.dumps({"assignment": "hw2_affine", "submission": "a.py", "score": 0, "max_score": 15,
                                 "tests": []}))
    (tmp_path / "out").mkdir()
    target = Path(str(where(tmp_path / "out")).format(ext="html"))
    result = run("report", str(saved), "--out", str(target))
    assert_refused_in_one_line(result, target, says)
    assert partials(tmp_path) == [] and not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("where", "says"),
    [
        pytest.param(lambda tmp: tmp / "a-file" / "grades", "is a file, not a folder", id="under-a-file"),
        pytest.param(lambda tmp: SYSFS / "grades", "does not take new files", id="read-only-sysfs"),
    ],
)
def test_grade_batch_refuses_an_unwritable_out_folder_before_grading(tmp_path, as_submission, no_grading,
                                                                     where, says):
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "class").mkdir()
    as_submission(AFFINE, "class/homework2_affine_a.py")
    target = where(tmp_path)
    result = run("batch", str(tmp_path / "class"), "--assignment", "hw2_affine", "--out", str(target),
                 "--isolation", "auto")
    assert_refused_in_one_line(result, target, says)
    assert no_grading == []


# A private mount namespace (root's own, else an unprivileged user's): a read-only bind mount there
# is read-only for root too (chmod means nothing to root), and vanishes with the namespace.
UNSHARE = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--mount"]
READ_ONLY = 'mount --bind -o ro "$1" "$1" && shift && exec "$@"'


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    """An empty folder that a command run as `[*UNSHARE, "sh", "-c", READ_ONLY, "sh", folder, ...]` sees
    mounted read-only."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    probe = subprocess.run([*UNSHARE, "sh", "-c", READ_ONLY, "sh", str(folder), "true"], capture_output=True) \
        if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("no private mount namespace with a read-only bind mount here (unshare, mount)")
    return folder


@pytest.mark.parametrize("option", ["--json", "--report"])
def test_a_read_only_mounted_folder_is_refused_before_grading(tmp_path, as_submission, read_only_folder, option):
    """hw6 with a real run of the CLI: today it trains, shows the table, then dies in a traceback."""
    file = as_submission(REPO / "reference" / "hw6_mnist" / "solution.py", "homework6_jsmith.py")
    target = read_only_folder / ("result.json" if option == "--json" else "feedback.html")
    completed = subprocess.run(
        [*UNSHARE, "sh", "-c", READ_ONLY, "sh", str(read_only_folder),
         sys.executable, "-m", "grader.cli", "submit", str(file), "--profile", "quick", option, str(target)],
        capture_output=True, text=True, timeout=600, env={**os.environ, **NARROW})
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stdout == ""  # no progress line, no table: grading never began
    shown = lines(completed.stderr)
    assert len(shown) == 1 and str(target) in shown[0] and "Read-only file system" in shown[0], completed.stderr
    assert list(read_only_folder.iterdir()) == []


def test_a_failed_write_leaves_no_partial_file(tmp_path):
    report = GradeReport(assignment="hw2_affine", title="Affine maps", submission="a.py", profile="official",
                         profile_description="", tests=(), manual=(), execution_time=0.0)
    (tmp_path / "result.json").mkdir()  # the rename over it fails once the partial file is written
    with pytest.raises(OSError):
        json_reporter.write(report, tmp_path / "result.json")
    assert partials(tmp_path) == []


@pytest.mark.parametrize("name", ["feedback.html", "feedback.txt"])
def test_report_says_where_the_page_was_written(tmp_path, as_submission, name):
    folder = tmp_path / LONG
    folder.mkdir(parents=True)
    file = as_submission(AFFINE, "homework2_affine_jsmith.py")
    result = run("submit", str(file), "--report", str(folder / name))
    assert result.exit_code == 0, result.output
    assert (folder / name).is_file() and partials(tmp_path) == []
    assert f"Report written to {(folder / name).resolve()}" in lines(result.output)


# -- 80 columns -------------------------------------------------------------------------------------

def assert_readable(text: str) -> None:
    assert "…" not in text, text


def test_grade_list_is_readable_at_80_columns():
    result = run("list")
    assert result.exit_code == 0
    assert_readable(result.output)
    shown = result.output.splitlines()
    assert max(len(line) for line in shown) <= 80
    words = set(re.findall(r"[^\s│┃,:]+", result.output))
    for assignment in assignments.all_assignments():
        assert assignment.id in words
        for pattern in assignment.file_patterns:  # whole, on one line
            assert pattern in words, f"{pattern} is cut or wrapped:\n{result.output}"
        for word in assignment.title.split():
            assert word.strip(",:") in words, f"{word!r} of {assignment.title!r} is cut:\n{result.output}"


def test_grade_datasets_list_shows_the_cache_folder_whole_at_80_columns(tmp_path):
    cache = tmp_path / LONG
    result = run("datasets", "list", "--data-dir", str(cache))
    assert result.exit_code == 0, result.output
    assert_readable(result.output)
    assert any(str(cache) in line for line in result.output.splitlines()), result.output
    for name in ("mnist", "fashion_mnist"):
        assert re.search(rf"│ {name} +│", result.output)


@pytest.mark.parametrize("assignment_id", [a.id for a in assignments.all_assignments()])
def test_the_result_table_keeps_every_item_name_whole_at_80_columns(assignment_id):
    assignment = assignments.get(assignment_id)
    tests = tuple(CheckResult(name=item.name, number=item.id, score=item.points, max_score=item.points,
                              status="passed", output="ok") for item in assignment.items)
    report = GradeReport(assignment=assignment.id, title=assignment.title, submission=f"{assignment.id}_jsmith.py",
                         profile="official", profile_description="", tests=tests, manual=assignment.manual,
                         execution_time=1.0)
    console = Console(file=io.StringIO(), width=80, color_system=None)
    terminal.render(report, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert_readable(text)
    words = set(re.findall(r"[^\s│┃]+", text))
    for item in (*assignment.items, *assignment.manual):
        for word in item.name.split():
            assert word in words, f"{word!r} of {item.name!r} is cut or folded:\n{text}"


def test_grade_batch_names_its_out_folder_whole_at_80_columns(tmp_path, as_submission):
    (tmp_path / "class").mkdir()
    as_submission(AFFINE, "class/homework2_affine_alice.py")
    out = tmp_path / LONG / "grades"
    result = run("batch", str(tmp_path / "class"), "--assignment", "hw2_affine", "--out", str(out),
                 "--isolation", "auto", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert_readable(result.output.split("\n", 1)[1])  # the progress line's status may give way; nothing else
    assert f"Wrote in {out}:" in result.output.splitlines(), result.output
    assert (out / "grades.csv").is_file() and (out / "summary.md").is_file()


def test_grade_publish_names_the_release_whole_at_80_columns(tmp_path):
    out = tmp_path / LONG / "release"
    out.parent.mkdir(parents=True)
    result = run("publish", "hw2_affine", "--out", str(out))
    assert result.exit_code == 0, result.output
    shown = [line.strip() for line in result.output.splitlines()]
    assert str(out) in shown and f"{out}.zip" in shown, result.output
    assert "grade submit homework2_affine_yourname.py" in shown and "leak check passed" in result.output


# -- the quick profile's duration -------------------------------------------------------------------

# Where the quick profiles' durations are written by hand (the docs and the handouts students get);
# everywhere else (the result line, `grade list`, the release README) they are derived from the manifest.
STATED = [
    ("hw2_softmax", "docs/hw2_softmax.md"), ("hw2_softmax", "assignments/hw2_softmax/handout.md"),
    ("hw6_mnist", "docs/hw6.md"), ("hw6_mnist", "assignments/hw6_mnist/handout.md"), ("hw6_mnist", "README.md"),
    ("gd_shallow", "docs/gd_shallow.md"), ("gd_shallow", "assignments/gd_shallow/handout.md"),
]
UNMEASURED = re.compile(r"about a minute|~ ?1 minute|in seconds|a minute or so", re.IGNORECASE)


def test_every_quick_profile_is_measured_once_in_its_manifest():
    assert sorted(QUICK) == ["gd_shallow", "hw2_softmax", "hw6_mnist"]
    for assignment_id in QUICK:
        quick = assignments.get(assignment_id).profiles["quick"]
        assert quick.seconds is not None and quick.measured_on == "2 cores"
        assert not re.search(r"\d+ ?s\b|minute|second", quick.description), quick.description  # said once


@pytest.mark.parametrize(("assignment_id", "where"), STATED)
def test_the_docs_state_the_measured_quick_duration(assignment_id, where):
    text = (REPO / where).read_text(encoding="utf-8")
    assert assignments.get(assignment_id).profiles["quick"].duration in text
    assert not UNMEASURED.search(text), UNMEASURED.search(text)


@pytest.mark.parametrize("assignment_id", QUICK)
def test_the_release_readme_and_grade_list_take_the_duration_from_the_manifest(tmp_path, assignment_id):
    assignment = assignments.get(assignment_id)
    quick = assignment.profiles["quick"]
    readme = (publish(assignment, tmp_path / "release").folder / "README.md").read_text(encoding="utf-8")
    assert f"`--profile quick` checks a subset of the data in {quick.duration}." in readme
    assert not UNMEASURED.search(readme)
    listed = run("list").output
    row = next(block for block in re.split(r"\n[├└].*\n", listed) if f"│ {assignment_id} " in block)
    assert f"quick ~{quick.seconds:g} s" in row, listed
    assert "measured on 2 cores" in " ".join(listed.split())


@pytest.mark.slow
def test_the_result_line_states_the_measured_duration(as_submission, mnist_data_dir):
    """The stub raises NotImplementedError everywhere, so this grades in seconds."""
    from grader.grading import grade_submission

    assignment = assignments.get("hw6_mnist")
    file = as_submission(assignment.folder / assignment.stub, "homework6_jsmith.py")
    report = grade_submission(file, assignment=assignment, profile="quick", data_dir=mnist_data_dir)
    assert report.profile_description == assignment.profiles["quick"].summary
    console = Console(file=io.StringIO(), width=1000, color_system=None)
    terminal.render(report, console)
    assert f"; {assignment.profiles['quick'].duration})" in console.file.getvalue()  # type: ignore[attr-defined]
