"""A batch's life as the instructor's shell sees it: ``kill -9`` or SIGTERM of
``grade batch`` takes its workers and their sandboxes (bubblewrap, the
zygotes, their children) with it, SIGTERM keeping what was stored so that a
rerun grades only the rest; a second ``grade batch`` (or a gradebook upload)
on a folder a batch is writing is refused, not a second writer; and a
classmate a team file lists has one row, however else they are named, with
the conflict said. Real ``grade`` processes, real workers, hw2_affine in a
private course copy; slow files sleep in a function the grader calls.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_files import REPO

SOLUTION = (REPO / "reference" / "hw2_affine" / "solution.py").read_text(encoding="utf-8")
STUB = (REPO / "assignments" / "hw2_affine" / "homework2_affine.py").read_text(encoding="utf-8")
SLEEP = 2
SLOW = SOLUTION + f'''

import time as _time

_answer = part6_derivative


def part6_derivative(x):
    _time.sleep({SLEEP})  # only part 6 calls it, at 3 points: 6 s of grading, and still full marks
    return _answer(x)
'''
TITLE = "Affine maps: composition and gradients"
GONE_SECONDS = 5.0
"""How soon after the batch ends nothing of it may be left."""


def grade(*args: str) -> list[str]:
    """The ``grade`` command line, run by this venv's python (``-m``: what PYTHONPATH points at is
    what runs)."""
    return [sys.executable, "-m", "grader.cli", *args]


def batch_command(folder: Path, out: Path, jobs: int = 2) -> list[str]:
    return grade("batch", str(folder), "--assignment", "hw2_affine", "--out", str(out), "--jobs", str(jobs))


def environment() -> dict[str, str]:
    """The test's environment (the course copy's included), wide enough that no line the terminal
    shows is wrapped."""
    return {**os.environ, "COLUMNS": "1000"}


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in a session of its own (what the test sends the batch reaches it alone,
    never pytest nor the batch's process group), printing into ``log`` (a pipe would be held open
    by whatever outlives the batch)."""
    with log.open("wb") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
                                env=environment())


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment())


# -- processes, from /proc ------------------------------------------------------

Process = tuple[int, str]
"""(pid, start time): a pid that was reused is another process."""


def _table() -> dict[int, tuple[int, str, str, str, str]]:
    """pid -> (parent, state, start time, comm, cmdline) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(rest[1]), rest[0], rest[19], comm, cmdline)
    return table


def family(root: int) -> dict[Process, str]:
    """Every living process below ``root`` (``root`` itself not included): what it is."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (parent, *_) in table.items():
        children.setdefault(parent, []).append(pid)
    found, queue = {}, [root]
    while queue:
        for pid in children.get(queue.pop(), []):
            _, state, started, comm, cmdline = table[pid]
            if state != "Z":
                found[(pid, started)] = _what(root, table[pid][0], comm, cmdline)
            queue.append(pid)
    return found


def _what(root: int, parent: int, comm: str, cmdline: str) -> str:
    if comm == "bwrap":
        return "bwrap"
    if "zygote.py" in cmdline:
        return "zygote"
    return "worker" if parent == root else f"child ({comm})"


def living(processes: dict[Process, str]) -> dict[Process, str]:
    """Those of ``processes`` still running (a zombie has ended)."""
    table = _table()
    return {(pid, started): what for (pid, started), what in processes.items()
            if pid in table and table[pid][2] == started and table[pid][1] != "Z"}


def wait_for_sandboxes(batch: subprocess.Popen[bytes], zygotes: int, *, seconds: float = 120) -> dict[Process, str]:
    """The batch's processes once ``zygotes`` zygotes run, each with a child grading."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert batch.poll() is None, f"the batch ended first ({batch.returncode})"
        found = family(batch.pid)
        table = _table()
        running = [pid for (pid, _), what in found.items() if what == "zygote" and
                   any(parent == pid for parent, *_ in table.values())]
        if len(running) >= zygotes and "worker" in found.values() and "bwrap" in found.values():
            return found
        time.sleep(0.1)
    raise AssertionError(f"the batch never ran {zygotes} zygotes with a child each: {family(batch.pid)}")


def end_all(processes: dict[Process, str]) -> None:
    """Kill what is left of a batch this test started (what the old grader leaves behind), and all below it."""
    for (pid, _), _ in living(processes).items():
        for (below, _), _ in family(pid).items():
            with_suppressed(os.kill, below, signal.SIGKILL)
        with_suppressed(os.kill, pid, signal.SIGKILL)


def with_suppressed(action, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        action(*args)
    except ProcessLookupError:
        pass


def assert_all_gone(processes: dict[Process, str], since: float) -> None:
    while living(processes) and time.monotonic() < since + GONE_SECONDS:
        time.sleep(0.05)
    left = living(processes)
    assert not left, f"{GONE_SECONDS:g} s after the batch ended, these of its processes still run: " + ", ".join(
        f"{what} {pid}" for (pid, _), what in sorted(left.items()))


# -- the class ------------------------------------------------------------------

def slow_class(folder: Path, slow: int, quick: int = 0) -> None:
    """``quick`` files that grade in a second (first in the folder's order), then ``slow`` that take
    3 x ``SLEEP`` seconds more; all earn full marks."""
    folder.mkdir()
    for number in range(quick):
        (folder / f"homework2_affine_q{number:02d}.py").write_text(SOLUTION + f"\n# q{number}\n")
    for number in range(slow):
        (folder / f"homework2_affine_s{number:02d}.py").write_text(SLOW + f"\n# s{number}\n")


def stored(out: Path) -> dict[str, str]:
    """digest -> file of the results in the store."""
    database = out / "grades.sqlite"
    if not database.exists():
        return {}
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT digest, file FROM results").fetchall())


def grades(out: Path) -> list[dict[str, str]]:
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))[1:]  # past the Points Possible row


@pytest.fixture
def course(course_copy: Path) -> Path:
    return course_copy


# -- A: the batch's processes end with it ------------------------------------------

def test_kill_9_of_a_batch_ends_its_workers_bubblewraps_and_zygotes_at_once(tmp_path, course):
    slow_class(tmp_path / "class", slow=2)
    batch = start(batch_command(tmp_path / "class", tmp_path / "out"), tmp_path / "batch.log")
    processes: dict[Process, str] = {}
    try:
        processes = wait_for_sandboxes(batch, zygotes=2)
        os.kill(batch.pid, signal.SIGKILL)  # the batch alone: what it started must follow by itself
        batch.wait()
        assert_all_gone(processes, time.monotonic())
    finally:
        end_all(processes)
        if batch.poll() is None:
            batch.kill()
            batch.wait()


@pytest.mark.slow
def test_sigterm_stops_a_batch_cleanly_and_a_rerun_grades_only_the_rest(tmp_path, course):
    slow_class(tmp_path / "class", slow=4, quick=2)
    out = tmp_path / "out"
    log = tmp_path / "batch.log"
    batch = start(batch_command(tmp_path / "class", out), log)
    processes: dict[Process, str] = {}
    try:
        processes = wait_for_sandboxes(batch, zygotes=2)
        deadline = time.monotonic() + 120
        while len(stored(out)) < 2 and time.monotonic() < deadline:  # the quick ones are in; slow ones grade
            time.sleep(0.1)
        processes = {**processes, **family(batch.pid)}
        os.kill(batch.pid, signal.SIGTERM)
        stopped = time.monotonic()
        batch.wait(timeout=60)
        ended = time.monotonic()
        assert_all_gone(processes, ended)
    finally:
        end_all(processes)
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    said = log.read_text(errors="replace")
    assert ended - stopped < 10, f"SIGTERM took {ended - stopped:.1f} s to stop the batch"
    assert batch.returncode == 128 + signal.SIGTERM, (batch.returncode, said)
    kept = stored(out)
    assert 2 <= len(kept) < 6, kept
    assert "SIGTERM" in said and str(out) in said and "again" in said, said

    rerun = run(batch_command(tmp_path / "class", out))

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["graded_now"] == 6 - len(kept), (summary["graded_now"], kept)
    assert {row["SIS Login ID"]: float(row[TITLE]) for row in grades(out)} == {
        **{f"q{n:02d}": 15.0 for n in range(2)}, **{f"s{n:02d}": 15.0 for n in range(4)}}
    assert summary["counts"]["graded"] == 6 and len(list((out / "results").glob("*.json"))) == 6
    assert all(stored(out).get(digest) == file for digest, file in kept.items())  # kept, not graded again


def test_a_second_batch_on_the_same_out_folder_is_refused_while_the_first_runs(tmp_path, course):
    slow_class(tmp_path / "class", slow=2, quick=1)
    out = tmp_path / "out"
    log = tmp_path / "first.log"
    first = start(batch_command(tmp_path / "class", out), log)
    roster = tmp_path / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Homework 2 (123456)\n"
                      "    Points Possible,,,,,15\nS00 Pat,1,S1,s00,A,\n", encoding="utf-8")
    try:
        wait_for_sandboxes(first, zygotes=1)

        second = run(batch_command(tmp_path / "class", out))
        upload = run(grade("gradebook", "canvas", str(out), "--roster", str(roster), "--column",
                           "Homework 2 (123456)", "--to", str(tmp_path / "upload.csv")))

        overlapped = first.poll() is None
        first.wait(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    said = (second.stdout + second.stderr).strip()
    assert second.returncode == 2, said
    assert len(said.splitlines()) == 1 and str(out) in said and "grade batch" in said, said
    assert overlapped, "the first batch ended before the second was refused: make the files slower"
    assert upload.returncode == 2 and str(out) in upload.stdout + upload.stderr, upload.stdout + upload.stderr
    assert not (tmp_path / "upload.csv").exists()
    assert first.returncode == 0, log.read_text(errors="replace")
    assert sorted(stored(out).values()) == ["homework2_affine_q00.py", "homework2_affine_s00.py",
                                            "homework2_affine_s01.py"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["graded_now"] == 3 and summary["counts"]["graded"] == 3
    assert [float(row[TITLE]) for row in grades(out)] == [15.0, 15.0, 15.0]
    with sqlite3.connect(out / "grades.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- B: one row per student ---------------------------------------------------------

def team_class(folder: Path, canvas: bool) -> dict[str, str]:
    """mallory's team file lists alice, who hands in her own file too; bob's lists carol, who hands
    in nothing; erin's and frank's both list dave. Returns file -> the name as the student gave it."""
    files = {  # sortable name, Canvas user id, the student's own name, content
        "mallory": ("12345", "homework2_affine_mallory_alice.py", STUB),
        "alice": ("22222", "homework2_affine_alice.py", SOLUTION),
        "bob": ("44444", "homework2_affine_bob_carol.py", SOLUTION),
        "erin": ("66666", "homework2_affine_erin_dave.py", SOLUTION),
        "frank": ("77777", "homework2_affine_frank_dave.py", STUB),
    }
    folder.mkdir()
    names = {}
    for number, (sortable, (user_id, name, source)) in enumerate(files.items()):
        file = f"{sortable}_{user_id}_{30000 + number}_{name}" if canvas else name
        (folder / file).write_text(source, encoding="utf-8")
        names[sortable] = file
    return names


@pytest.mark.parametrize("canvas", [True, False], ids=["canvas-names", "plain-names"])
def test_a_classmate_listed_in_a_team_file_has_one_row_and_the_conflict_is_said(tmp_path, course, canvas):
    files = team_class(tmp_path / "class", canvas)
    out = tmp_path / "out"

    done = run(batch_command(tmp_path / "class", out))

    assert done.returncode == 0, done.stdout + done.stderr
    rows = grades(out)
    logins = [row["SIS Login ID"] for row in rows]
    assert sorted(logins) == ["alice", "bob", "carol", "dave", "erin", "frank", "mallory"], rows
    by_login = {row["SIS Login ID"]: row for row in rows}
    assert float(by_login["alice"][TITLE]) == 15  # her own file, not mallory's stub
    assert by_login["alice"]["ID"] == ("22222" if canvas else "")
    assert float(by_login["mallory"][TITLE]) == 0 and float(by_login["carol"][TITLE]) == 15
    assert float(by_login["dave"][TITLE]) == 15  # erin's file, the first in the folder that lists him
    summary = json.loads((out / "summary.json").read_text())
    assert summary["students"] == 7 and summary["counts"]["students"] == 7
    conflicts = summary["conflicts"]
    assert len(conflicts) == 2, conflicts
    alice = next(conflict for conflict in conflicts if conflict.startswith("alice"))
    dave = next(conflict for conflict in conflicts if conflict.startswith("dave"))
    assert files["mallory"] in alice and files["alice"] in alice, alice
    assert f"graded by {files['alice']}" in alice and "their own file" in alice, alice
    assert files["erin"] in dave and files["frank"] in dave and f"graded by {files['erin']}" in dave, dave
    assert "no file of their own" in dave, dave
    assert not any("carol" in conflict for conflict in conflicts)  # a team-mate who handed nothing in: no conflict
    terminal = " ".join(done.stdout.split())
    for conflict in conflicts:
        assert " ".join(conflict.split()) in terminal, (conflict, done.stdout)
    for entry in ("alice", "dave"):
        assert entry in (out / "summary.md").read_text().split("## Students named by more than one file")[1]


def test_a_team_mate_has_one_line_in_the_hand_grades_template_and_the_canvas_upload(tmp_path, course):
    manifest = course / "assignments" / "hw2_affine" / "assignment.toml"
    manifest.write_text(manifest.read_text() + '\n[[manual]]\nname = "Written derivation"\npoints = 5\n')
    files = team_class(tmp_path / "class", canvas=True)
    out = tmp_path / "out"
    done = run(batch_command(tmp_path / "class", out))
    assert done.returncode == 0, done.stdout + done.stderr

    template = tmp_path / "manual.csv"
    made = run(grade("manual", "template", str(out), "--to", str(template)))
    assert made.returncode == 0, made.stdout + made.stderr
    lines = list(csv.DictReader(io.StringIO(template.read_text(encoding="utf-8"))))
    assert sorted(line["SIS Login ID"] for line in lines) == ["alice", "bob", "carol", "dave", "erin", "frank",
                                                              "mallory"]
    alice = next(line for line in lines if line["SIS Login ID"] == "alice")
    assert alice["ID"] == "22222" and alice["Submission"] == files["alice"]
    for line in lines:
        line["Points"] = "4" if line["SIS Login ID"] == "alice" else "1"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(lines[0]))
    writer.writeheader()
    writer.writerows(lines)
    template.write_text(buffer.getvalue(), encoding="utf-8")
    imported = run(grade("manual", "import", str(out), str(template)))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "7 of 7 students" in imported.stdout, imported.stdout

    roster = tmp_path / "roster.csv"
    people = [("Mallory", "12345", "mallory"), ("Alice", "22222", "alice"), ("Bob", "44444", "bob"),
              ("Carol", "55555", "carol"), ("Erin", "66666", "erin"), ("Frank", "77777", "frank"),
              ("Dave", "88888", "dave")]
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Homework 2 (123456)\n"
                      "    Points Possible,,,,,20\n" + "".join(f"{name},{uid},S{uid},{login},A,\n"
                                                            for name, uid, login in people), encoding="utf-8")
    upload = tmp_path / "upload.csv"
    sent = run(grade("gradebook", "canvas", str(out), "--roster", str(roster), "--column", "Homework 2 (123456)",
                     "--to", str(upload)))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "matches no roster student" not in sent.stdout, sent.stdout  # alice's team-mate line is her own row
    cells = {line[1]: line[5] for line in csv.reader(upload.read_text(encoding="utf-8").splitlines()[2:])}
    assert cells == {"12345": "1", "22222": "19", "44444": "16", "55555": "16", "66666": "16", "77777": "1",
                     "88888": "16"}, cells
