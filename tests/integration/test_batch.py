"""Grading a class with ``grade batch``: every row of the gradebook right,
for correct, buggy, hostile, identical and team files; a batch killed with
SIGKILL resumes without regrading what it had finished; a dead worker costs
nothing. The class is hw2_affine (no datasets), the course a private copy
(hostile files aim at it) with 2 s call limits so hanging files end soon.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS
from grader import assignments
from grader.batch import grade_batch, summarise, write_csv
from grader.batch.record import SubmissionGraded
from grader.grading import grade_submission
from poisons import COURSE, POISONS, REFERENCE_SOURCE, shorten_calls

HW = assignments.get("hw2_affine")
GRADE = Path(sys.executable).with_name("grade")
CLASS_POISONS = ("syntax_error", "sys_exit_at_import", "os_exit_in_function", "endless_loop_in_function",
                 "allocates_50_gb", "forges_the_answer_channel", "reads_the_reference_solution",
                 "deletes_course_files", "returns_nan", "lying_eq_object", "fake_json_on_stdout",
                 "runs_a_shell_command")
SLOW_POISONS = {"endless_loop_in_function"}


@pytest.fixture
def course(course_copy: Path) -> Path:
    shorten_calls(course_copy, 2)
    return course_copy


def base_sources(course: Path) -> dict[str, str]:
    """What the class's files are made from: the reference, the untouched
    stub, a worked example, the buggy files of the suite and poisons."""
    sources = {"reference": REFERENCE_SOURCE,
               "stub": (REPO / "assignments" / "hw2_affine" / HW.stub).read_text(),
               "example": (REPO / "examples" / "homework2_affine_jsmith.py").read_text()}
    sources.update({path.stem: path.read_text() for path in sorted((SUBMISSIONS / "hw2_affine").glob("*.py"))})
    sources.update({f"poison_{name}": REFERENCE_SOURCE + POISONS[name].source.replace(COURSE, str(course))
                    for name in CLASS_POISONS})
    return sources


def expected_grades(sources: dict[str, str], folder: Path) -> dict[str, dict[str, float]]:
    """Each base graded on its own, the ordinary way (a fresh sandbox, no
    zygote): total and per-item scores."""
    folder.mkdir()
    grades = {}
    for name, source in sources.items():
        path = folder / f"homework2_affine_{name}.py"
        path.write_text(source)
        report = grade_submission(path, assignment=HW, isolation="strict")
        assert not report.internal_errors, (name, report.internal_errors)
        grades[name] = {"total": report.score, **{test.number: test.score for test in report.tests}}
    return grades


def write_class(sources: dict[str, str], folder: Path, size: int,
                special: bool = True) -> dict[str, tuple[str, tuple[str, ...]]]:
    """``size`` students with files of their own (each base plus a line that
    makes the file distinct, so it is graded on its own); with ``special``,
    4 byte-identical copies of one of them, 3 team files and a file whose
    name gives no student. Returns file name -> (base, students it names)."""
    folder.mkdir()
    plain = [name for name in sources if name.removeprefix("poison_") not in SLOW_POISONS]
    files: dict[str, tuple[str, tuple[str, ...]]] = {}

    def add(file: str, base: str, students: tuple[str, ...], tag: str) -> None:
        (folder / file).write_text(sources[base] + f"\n# handed in by {tag}\n")
        files[file] = (base, students)

    for number in range(size):
        login = f"s{number:03d}"
        slow = number in (17, 71) and "poison_endless_loop_in_function" in sources
        add(f"homework2_affine_{login}.py", "poison_endless_loop_in_function" if slow else plain[number % len(plain)],
            (login,), login)
    if not special:
        return files
    for copy in range(1, 5):
        (folder / f"homework2_affine_copy{copy}.py").write_bytes((folder / "homework2_affine_s005.py").read_bytes())
        files[f"homework2_affine_copy{copy}.py"] = (files["homework2_affine_s005.py"][0], (f"copy{copy}",))
    add("homework2_affine_ta01_tb02.py", "reference", ("ta01", "tb02"), "team a")
    add("homework2_affine_tc03_td04_te05.py", "transposed_backward", ("tc03", "td04", "te05"), "team c")
    add("Homework2_Affine_TF06_tg07.py", "poison_returns_nan", ("tf06", "tg07"), "team f")
    add("my_homework.py", "example", (), "nobody")
    return files


def read_csv(path: Path) -> tuple[list[str], list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, points, body = rows[0], rows[1], rows[2:]
    return header, points, [dict(zip(header, row)) for row in body]


def run_batch(folder: Path, out: Path, *extra: str, **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(GRADE), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                           "--jobs", "2", *extra], capture_output=True, text=True, timeout=600, **popen)  # type: ignore[call-overload]


@pytest.mark.slow
def test_a_class_of_128_files_gets_every_gradebook_row_right(tmp_path, course):
    sources = base_sources(course)
    expected = expected_grades(sources, tmp_path / "bases")
    assert expected["reference"]["total"] == HW.points and expected["stub"]["total"] == 0
    files = write_class(sources, tmp_path / "class", 120)
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}

    done = run_batch(tmp_path / "class", tmp_path / "out")

    assert done.returncode == 0, done.stdout + done.stderr
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before  # the attacks did nothing
    header, points, rows = read_csv(tmp_path / "out" / "grades.csv")
    items = [item for item in HW.items]
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", HW.title,
                      *[f"{item.id} {item.name}" for item in items], "Late"]
    assert points[0] == "Points Possible" and float(points[5]) == HW.points
    assert [float(value) for value in points[6:-1]] == [item.points for item in items] and points[-1] == ""
    by_student = {row["Student"]: row for row in rows}
    assert len(by_student) == len(rows), "a student has two rows"
    wanted_rows = sum(len(students) or 1 for _, students in files.values())
    assert len(rows) == wanted_rows == 120 + 4 + 2 + 3 + 2 + 1
    for file, (base, students) in files.items():
        grade = expected[base]
        for student in students or (Path(file).stem,):
            row = by_student[student]
            assert row["SIS Login ID"] == (student if students else ""), row
            assert float(row[HW.title]) == pytest.approx(grade["total"], abs=0.006), (file, base)
            for item in items:
                assert float(row[f"{item.id} {item.name}"]) == pytest.approx(grade[item.id], abs=0.006), \
                    (file, base, item.id)

    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["graded_now"] == 120 + 3 + 1  # the 4 copies were graded once, as s005
    assert summary["submissions"] == 128 and summary["students"] == 131
    assert sorted(summary["identical"]) == [sorted(["homework2_affine_s005.py"] +
                                                   [f"homework2_affine_copy{n}.py" for n in range(1, 5)])]
    assert summary["unidentified"] == ["my_homework.py"]
    failing = dict(summary["failing"])
    for file, (base, _) in files.items():
        if expected[base]["total"] == 0 and file not in sum(summary["identical"], [])[1:]:
            assert file in failing, file
    assert failing["homework2_affine_s001.py"] == "no points"  # the stub
    mistakes = {tag for tag, _, _ in summary["mistakes"]}
    assert mistakes, "no named mistake in a class with transposed gradients"
    markdown = (tmp_path / "out" / "summary.md").read_text()
    identical = markdown.split("## Identical files", 1)[1].split("\n## ", 1)[0]
    assert identical.count("homework2_affine_copy") == 4
    assert markdown.count("| graded |") == 128 and "128 files: 128 graded" in markdown  # every file accounted for
    for file, (base, students) in files.items():
        result = json.loads((tmp_path / "out" / "results" / f"{Path(file).stem}.json").read_text())
        assert result["submission"] == file and result["students"] == list(students)
        assert result["score"] == pytest.approx(expected[base]["total"], abs=0.006)
        assert result["isolation"] == "namespaces"
    assert "mean" in done.stdout and "Failing" in done.stdout


def test_a_batch_killed_at_a_random_moment_resumes_without_regrading(tmp_path, course):
    sources = base_sources(course)
    quick = {name: source for name, source in sources.items()
             if name.removeprefix("poison_") not in SLOW_POISONS | {"allocates_50_gb"}}
    write_class(quick, tmp_path / "class", 60)
    started = time.monotonic()
    whole = run_batch(tmp_path / "class", tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    seconds = time.monotonic() - started

    seed = random.randrange(1 << 30)
    moment = random.Random(seed).uniform(0.1, 0.9) * seconds
    batch = subprocess.Popen([str(GRADE), "batch", str(tmp_path / "class"), "--assignment", "hw2_affine", "--out",
                              str(tmp_path / "killed"), "--jobs", "2"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(moment)
    os.killpg(batch.pid, signal.SIGKILL)  # the batch, its workers and their children
    batch.wait()
    database = tmp_path / "killed" / "grades.sqlite"
    stored = {}
    if database.exists():
        with sqlite3.connect(database) as db:
            stored = {digest: (result, seconds) for digest, result, seconds in
                      db.execute("SELECT digest, result, seconds FROM results")}

    resumed = run_batch(tmp_path / "class", tmp_path / "killed")

    assert resumed.returncode == 0, resumed.stderr
    why = f"killed after {moment:.2f} s of {seconds:.2f} s (seed {seed}); {len(stored)} stored by then"
    assert (tmp_path / "killed" / "grades.csv").read_bytes() == (tmp_path / "whole" / "grades.csv").read_bytes(), why
    summary = json.loads((tmp_path / "killed" / "summary.json").read_text())
    distinct = json.loads((tmp_path / "whole" / "summary.json").read_text())["graded_now"]
    assert summary["graded_now"] == distinct - len(stored), why
    with sqlite3.connect(database) as db:
        after = {digest: (result, seconds) for digest, result, seconds in
                 db.execute("SELECT digest, result, seconds FROM results")}
    assert all(after[digest] == row for digest, row in stored.items()), "a finished submission was graded again"


def test_a_rerun_grades_only_changed_files_and_a_new_profile_is_refused(tmp_path, course):
    sources = base_sources(course)
    write_class({"reference": sources["reference"], "stub": sources["stub"]}, tmp_path / "class", 4, special=False)
    first = run_batch(tmp_path / "class", tmp_path / "out")
    assert first.returncode == 0, first.stderr
    # s001 fixes the stub by handing in the reference solution.
    (tmp_path / "class" / "homework2_affine_s001.py").write_text(sources["reference"] + "\n# fixed\n")
    second = run_batch(tmp_path / "class", tmp_path / "out")
    assert second.returncode == 0, second.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["graded_now"] == 1
    _, _, rows = read_csv(tmp_path / "out" / "grades.csv")
    assert {row["Student"]: float(row[HW.title]) for row in rows} == {
        "s000": HW.points, "s001": HW.points, "s002": HW.points, "s003": 0.0}
    # The folder's store belongs to hw2_affine: another assignment's batch is refused, not mixed in.
    other = subprocess.run([str(GRADE), "batch", str(tmp_path / "class"), "--assignment", "hw3_label_smoothing",
                            "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert other.returncode == 2 and "holds a batch with assignment 'hw2_affine'" in other.stderr + other.stdout


def test_a_worker_that_dies_costs_the_batch_nothing(tmp_path, course):
    sources = base_sources(course)
    write_class({"reference": sources["reference"], "transposed_backward": sources["transposed_backward"]},
                tmp_path / "class", 16, special=False)
    killed: list[int] = []

    def progress(event: object) -> None:
        if isinstance(event, SubmissionGraded) and not killed:
            import multiprocessing

            workers = multiprocessing.active_children()
            assert workers, "no worker processes to kill"
            killed.append(workers[0].pid or 0)
            os.kill(workers[0].pid or 0, signal.SIGKILL)

    batch = grade_batch(tmp_path / "class", assignment=HW, out=tmp_path / "out", jobs=2, progress=progress)

    assert killed
    rows = {row["Student"]: float(row[HW.title]) for row in read_csv(write_csv(batch, tmp_path / "out"))[2]}
    transposed = round(grade_submission(SUBMISSIONS / "hw2_affine" / "transposed_backward.py", assignment=HW).score, 2)
    assert rows == {f"s{n:03d}": HW.points if n % 2 == 0 else transposed for n in range(16)}
    assert not summarise(batch).failing


def test_batch_refuses_to_run_without_namespaces(tmp_path, course):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "homework2_affine_a.py").write_text(REFERENCE_SOURCE)
    done = run_batch(tmp_path / "class", tmp_path / "out", env={**os.environ, "GRADER_BWRAP": "/nonexistent/bwrap"})
    assert done.returncode == 2
    said = done.stderr + done.stdout
    # As a user: strict wants namespaces; as root with a private runtime (here): nothing runs student code as root.
    assert "strict isolation needs Linux namespaces" in said or "student code would run as root" in said, said
    assert "Grading" not in said  # refused before anything started
    assert not (tmp_path / "out" / "grades.csv").exists()
