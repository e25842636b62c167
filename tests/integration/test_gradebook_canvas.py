"""The gradebook round trip as an instructor does it: a Canvas gradebook
export (40 students, a Points Possible row, several assignment columns), a
Canvas-named class folder, ``grade batch``, the items graded by hand
(``grade manual template|import|status``), then ``grade gradebook canvas``.
The upload file is read the way Canvas's importer reads it
(``lib/gradebook_importer.rb``): the student columns, the points row, each row
matched by ID, and no column Canvas would take for a new assignment.

The course is a copy with one item graded by hand added to hw2_affine's
manifest, as an instructor adds one (``[[manual]]``)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from course_files import REPO

GRADE = Path(sys.executable).parent / "grade"
SOLUTION = (REPO / "reference" / "hw2_affine" / "solution.py").read_text(encoding="utf-8")
STUB = (REPO / "assignments" / "hw2_affine" / "homework2_affine.py").read_text(encoding="utf-8")
COLUMN = "Homework 2 (123456)"
WRITTEN = "Written derivation"
STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]

ROSTER = [(f"Student{n:02d}, Pat", str(10000 + n), f"S{n:05d}", f"login{n:02d}", "DL 541-A" if n % 2 else "DL 541-B")
          for n in range(1, 41)]
NO_SUBMISSION = {"10037", "10038", "10039", "10040"}
STUBBED = {"10003", "10011"}
TEAM = ("10021", "10022")  # login21 hands in a team file naming login22 too


def canvas_export(path: Path) -> None:
    """What Canvas's Grades > Export writes: the student columns, assignment
    columns titled with their ids, the computed score columns, a points row."""
    header = [*STUDENT_COLUMNS, "Homework 1 (111111)", COLUMN, "Quiz 1 (222222)", "Current Score",
              "Unposted Current Score", "Final Score"]
    lines = [header, ["    Points Possible", "", "", "", "", "10", "20", "5", "(read only)", "(read only)",
                      "(read only)"]]
    lines += [[name, uid, sis, login, section, "9", "", "4", "80", "80", "80"] for name, uid, sis, login, section
              in ROSTER]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")  # Canvas writes a BOM


def class_folder(folder: Path) -> None:
    """Canvas's "Download Submissions", unzipped: ``{sortable}_{userid}_{fileid}_{name}``."""
    folder.mkdir()
    for n, (name, uid, _, login, _) in enumerate(ROSTER, start=1):
        if uid in NO_SUBMISSION or uid == TEAM[1]:
            continue
        sortable = re.sub(r"\W", "", name).lower()
        original = f"homework2_affine_{login}_{ROSTER[21][3]}.py" if uid == TEAM[0] else f"homework2_affine_{login}.py"
        (folder / f"{sortable}_{uid}_{7000000 + n}_{original}").write_text(STUB if uid in STUBBED else SOLUTION)
    # someone who dropped the course: in the folder, not on the roster
    (folder / "droppedsam_99999_7999999_homework2_affine_sdrop.py").write_text(SOLUTION)


def grade(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(GRADE), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "120"})
    if ok:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))


@pytest.fixture
def course(course_copy: Path) -> Path:
    manifest = course_copy / "assignments" / "hw2_affine" / "assignment.toml"
    manifest.write_text(manifest.read_text() + f'\n[[manual]]\nname = "{WRITTEN}"\npoints = 5\n')
    return course_copy


@pytest.fixture
def graded(course: Path, tmp_path: Path) -> Path:
    class_folder(tmp_path / "submissions")
    out = tmp_path / "out"
    grade("batch", str(tmp_path / "submissions"), "--assignment", "hw2_affine", "--out", str(out), "--jobs", "2")
    return out


def filled_template(out: Path, tmp_path: Path, points: dict[str, str]) -> Path:
    """``grade manual template``, filled in as a TA does: ``points`` by ID (absent: left blank)."""
    template = tmp_path / "manual.csv"
    done = grade("manual", "template", str(out), "--to", str(template))
    assert "37 students x 1 item(s)" in done.stdout, done.stdout
    lines = read_csv(template)
    header = lines[0]
    assert header[:7] == ["Student", "ID", "SIS Login ID", "Submission", "Item", "Max", "Points"]
    assert len(lines) == 1 + 37  # 35 roster students + the team-mate + the dropped student, one item each
    by_login = {login: uid for _, uid, _, login, _ in ROSTER}
    for line in lines[1:]:
        assert line[4] == WRITTEN and line[5] == "5" and line[6] == ""
        line[6] = points.get(line[1] or by_login.get(line[2], ""), "")  # a team's members have no Canvas id
        line[7] = "clear steps" if line[6] else ""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    template.write_text(buffer.getvalue(), encoding="utf-8")
    return template


def manual_rows(out: Path) -> int:
    with sqlite3.connect(out / "grades.sqlite") as db:
        return db.execute("SELECT count(*) FROM manual").fetchone()[0]


@pytest.mark.slow
def test_the_canvas_upload_fills_the_courses_own_column_with_auto_and_hand_points(graded: Path, tmp_path: Path):
    out = graded
    export = tmp_path / "export.csv"
    canvas_export(export)
    everyone = {uid: "4" for _, uid, *_ in ROSTER if uid not in NO_SUBMISSION}
    everyone["99999"] = "5"
    del everyone["10005"], everyone["10006"]  # not graded by hand yet
    grade("manual", "import", str(out), str(filled_template(out, tmp_path, everyone)))

    status = grade("manual", "status", str(out)).stdout
    assert "35 of 37 students graded by hand; 2 to go" in status, status
    assert "ID 10005" in status and "ID 10006" in status and WRITTEN in status

    upload = tmp_path / "import.csv"
    done = grade("gradebook", "canvas", str(out), "--roster", str(export), "--column", COLUMN, "--to", str(upload))
    said = done.stdout
    assert "40 roster students" in said and "4 with no submission" in said and "2 not yet graded by hand" in said
    assert "matches no roster student: droppedsam_99999_7999999_homework2_affine_sdrop.py" in said, said

    lines = read_csv(upload)
    # What Canvas's importer reads: Student and ID first, Section ends the student columns, then the
    # one assignment column, titled with its id: an existing assignment, so nothing new is created.
    assert lines[0] == [*STUDENT_COLUMNS, COLUMN]
    assert "Points Possible" in lines[1][0] and lines[1][5] == "20"
    body = lines[2:]
    assert [line[:5] for line in body] == [list(student) for student in ROSTER]  # the roster's own values, in order
    cell = {line[1]: line[5] for line in body}
    for _, uid, *_ in ROSTER:
        if uid in NO_SUBMISSION or uid in ("10005", "10006"):
            assert cell[uid] == "", (uid, cell[uid])  # no submission, or not all graded by hand: no score
        elif uid in STUBBED:
            assert float(cell[uid]) == 0 + 4, uid
        else:
            assert float(cell[uid]) == 15 + 4, uid  # the team-mate 10022 included: the team's score
    assert cell[TEAM[1]] == "19"

    again = tmp_path / "partial.csv"
    grade("gradebook", "canvas", str(out), "--roster", str(export), "--column", COLUMN, "--to", str(again),
          "--partial", "--missing-zero")
    cell = {line[1]: line[5] for line in read_csv(again)[2:]}
    assert float(cell["10005"]) == 15 and all(cell[uid] == "0" for uid in NO_SUBMISSION)


@pytest.mark.slow
def test_a_bad_hand_grades_file_stores_nothing_and_a_rerun_keeps_the_points(graded: Path, tmp_path: Path):
    out = graded
    template = filled_template(out, tmp_path, {uid: "3" for _, uid, *_ in ROSTER})
    good = template.read_text(encoding="utf-8")
    lines = read_csv(template)
    lines[3][6] = "7"  # above the item's maximum of 5
    lines[4][6] = "three"
    lines[5][6] = "-1"
    lines[6][1] = "55555"  # nobody graded has this id
    lines.append(list(lines[2]))  # the same student and item twice
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    bad = tmp_path / "bad.csv"
    bad.write_text(buffer.getvalue(), encoding="utf-8")
    done = grade("manual", "import", str(out), str(bad), ok=False)
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    for expected in ("line 4: points 7 is above the item's maximum 5", "line 5: points 'three' is not a number",
                     "line 6: points -1 is below 0", "line 7: no graded student has ID '55555'",
                     f"line {len(lines)}: repeats line 3", "nothing stored"):
        assert expected in said, said
    assert manual_rows(out) == 0

    bad.write_text(good, encoding="utf-8")
    grade("manual", "import", str(out), str(bad))
    assert manual_rows(out) == 37 - 1  # the dropped student (no roster id in the points) left blank

    before = (out / "grades.csv").read_text()
    grade("batch", str(tmp_path / "submissions"), "--assignment", "hw2_affine", "--out", str(out))  # a no-op rerun
    assert manual_rows(out) == 36
    assert (out / "grades.csv").read_text() == before

    # the totals agree: grades.csv, the result JSON, the student's page and the summary
    rows = {row["ID"]: row for row in csv.DictReader(io.StringIO(before))}
    total = rows["10001"]["Affine maps: composition and gradients"]
    assert float(total) == 18 and rows["10001"][f"by hand: {WRITTEN}"] == "3"
    result_file = next((out / "results").glob("*_10001_*.json"))
    result = json.loads(result_file.read_text())
    assert (result["score"], result["hand_score"], result["total_score"], result["total_max_score"]) == (15, 3, 18, 20)
    page = (out / "reports" / f"{result_file.stem}.html").read_text()
    assert '<div class="score" id="score">18 / 20</div>' in page and "15 / 15 graded automatically + 3 / 5 by hand" in page
    summary = json.loads((out / "summary.json").read_text())
    assert summary["hand"]["complete"] == 36 and summary["hand"]["students"] == 37


@pytest.mark.slow
def test_a_regrade_supersedes_and_the_column_is_never_guessed(graded: Path, tmp_path: Path):
    out = graded
    folder = tmp_path / "submissions"
    mine = next(folder.glob("*_10001_*"))
    mine.write_text(STUB)  # the file changed in the folder: graded again
    grade("batch", str(folder), "--assignment", "hw2_affine", "--out", str(out))
    with sqlite3.connect(out / "grades.sqlite") as db:
        current = db.execute("SELECT file, score FROM current WHERE user_id = '10001'").fetchall()
        assert current == [(mine.name, 0.0)]
        assert db.execute("SELECT count(*) FROM current").fetchone()[0] == 36

    export = tmp_path / "export.csv"
    canvas_export(export)
    missing = grade("gradebook", "canvas", str(out), "--roster", str(export), "--to", str(tmp_path / "x.csv"), ok=False)
    said = missing.stdout + missing.stderr
    assert missing.returncode == 2 and COLUMN in said and "Quiz 1 (222222)" in said, said
    assert "Current Score" not in said  # Canvas's computed columns are never candidates
    assert not (tmp_path / "x.csv").exists()
