"""The upload file for Canvas's gradebook import, merged into the gradebook
the instructor exported: the roster's own students, the course's own column.

What Canvas's importer reads (``lib/gradebook_importer.rb``): column 0
``Student``, column 1 ``ID``, then ``SIS User ID``, ``SIS Login ID`` (and
optionally ``Integration ID``, ``Root Account``); ``Section`` ends the student
columns. A header ``Title (12345)`` targets that assignment by id; a header
that matches no assignment creates one. A first cell holding ``Points
Possible`` marks the points row; ``Current/Final/Unposted Score/Grade``
columns are ignored; a blank cell is no score. So the file written here has
exactly ``Student, ID, SIS User ID, SIS Login ID, Section, <column>``, the
points row, and a row per roster student with the roster's own values.

The graded rows are ``results.rows``: one per student, as everywhere. A row
that carries a Canvas ID is matched by it alone (a login never gives one
student another's grade); the batch's folder is read under its lock.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from grader.batch.grades_csv import _points
from grader.batch.record import Batch, open_batch
from grader.batch.results import Row, hand_of, result_for, rows
from grader.batch.store import locked
from grader.errors import GradesFileError, UsageError

HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_IGNORED = re.compile(r"(Current|Final|Unposted) (Score|Grade|Points)$")
_WITH_ID = re.compile(r"(?P<title>.*?)\s*\((?P<id>\d+)\)$")


@dataclass(frozen=True)
class RosterStudent:
    line: int
    student: str
    id: str
    sis_user_id: str
    sis_login_id: str
    section: str


@dataclass(frozen=True)
class Roster:
    """An exported Canvas gradebook: its students and assignment columns."""

    students: tuple[RosterStudent, ...]
    columns: tuple[str, ...]
    points: dict[str, str]
    """Each assignment column's ``Points Possible`` cell."""


@dataclass(frozen=True)
class CanvasImport:
    path: Path
    column: str
    points_possible: float
    roster_points: str
    """What the roster's points row says for the column (it may differ)."""
    students: int
    scored: int
    missing: tuple[str, ...]
    """Roster students with no graded submission (blank, or 0 with ``missing_zero``)."""
    unmatched: tuple[str, ...]
    """Graded files (and who they name) that match no roster student."""
    incomplete: tuple[str, ...]
    """Students with items still to be graded by hand (blank unless ``partial``)."""


def read_roster(path: Path) -> Roster:
    """Read an exported gradebook; refuse a file Canvas would not have written."""
    try:
        lines = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read the roster {path}: {exc}") from exc
    header = [cell.strip() for cell in lines[0]] if lines else []
    if header[:2] != ["Student", "ID"] or "Section" not in header:
        raise GradesFileError(f"{path} is not a Canvas gradebook export", (
            f"line 1: Canvas's export starts Student, ID and has a Section column; this one starts {header[:6]}",))
    section = header.index("Section")
    where = {name: header.index(name) for name in HEADER if name in header[:section + 1]}
    columns = tuple(name for name in header[section + 1:] if name and not _IGNORED.search(name))
    points: dict[str, str] = {}
    students: list[RosterStudent] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        cells = [cell.strip() for cell in cells] + [""] * (len(header) - len(cells))
        if "Points Possible" in cells[0]:
            points = {name: cells[header.index(name)] for name in columns}
            continue
        if not cells[1]:
            continue  # a blank line, or a row of Canvas's own (no student)
        if cells[1] in seen:
            problems.append(f"line {number}: ID {cells[1]} repeats line {seen[cells[1]]}")
            continue
        seen[cells[1]] = number
        students.append(RosterStudent(number, *(cells[where[name]] if name in where else "" for name in HEADER)))
    if problems:
        raise GradesFileError(f"{path}: {len(problems)} bad line(s):", tuple(problems))
    return Roster(tuple(students), columns, points)


def choose_column(roster: Roster, *, title: str, assignment_id: str, column: str | None) -> str:
    """``column`` if the roster has it, else the one column titled as the assignment."""
    listed = "; ".join(roster.columns) or "none"
    if column is not None:
        if column not in roster.columns:
            raise UsageError(f"the roster has no assignment column {column!r}; its columns: {listed}")
        return column
    wanted = {" ".join(name.split()).casefold() for name in (title, assignment_id)}
    found = [name for name in roster.columns
             if " ".join((m.group("title") if (m := _WITH_ID.fullmatch(name)) else name).split()).casefold()
             in wanted]
    if len(found) == 1:
        return found[0]
    if found:
        raise UsageError(f"several roster columns are titled {title!r}: {'; '.join(found)}; pass --column")
    raise UsageError(f"no roster column is titled {title!r} or {assignment_id!r}: pass --column, one of: {listed}")


def write_canvas(out: Path, *, roster: Path, to: Path, column: str | None = None, missing_zero: bool = False,
                 partial: bool = False) -> CanvasImport:
    """Write ``to``: the upload file of the batch in ``out`` into ``column`` of
    the exported gradebook ``roster``. Students are matched by Canvas ID, else
    SIS Login ID, else SIS User ID (a row without one). A total needs every item
    graded by hand (blank until then) unless ``partial``."""
    read = read_roster(roster)
    with locked(out, command="grade gradebook canvas", shared=True):
        batch = open_batch(out)
        try:
            chosen = choose_column(read, title=batch.assignment.title, assignment_id=batch.assignment.id,
                                   column=column)
            return _write(batch, read, chosen, to, missing_zero=missing_zero, partial=partial)
        finally:
            batch.store.close()


def _write(batch: Batch, roster: Roster, column: str, to: Path, *, missing_zero: bool,
           partial: bool) -> CanvasImport:
    graded = rows(batch)[0]
    by_id = {row.user_id: row for row in graded if row.user_id}
    by_login = {row.login.casefold(): row for row in graded if row.login and not row.user_id}
    used: set[str] = set()
    missing, incomplete = [], []
    scored = 0
    top = batch.assignment.points + batch.assignment.manual_points
    partial_file = to.with_name(f".{to.name}.partial")
    with partial_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADER, column])
        writer.writerow(["Points Possible", "", "", "", "", _points(top)])
        for student in roster.students:
            row: Row | None = (by_id.get(student.id) or by_login.get(student.sis_login_id.casefold() or "\0")
                               or by_login.get(student.sis_user_id.casefold() or "\0"))
            cell = ""
            if row is None:
                missing.append(f"{student.student} (ID {student.id})")
                cell = "0" if missing_zero else ""
            else:
                used.add(row.key)
                hand = hand_of(batch, row)
                if not hand.complete:
                    incomplete.append(f"{student.student} (ID {student.id})")
                if hand.complete or partial:
                    cell = _points(float(result_for(batch, row.submission).get("score", 0)) + hand.score)
                    scored += 1
            writer.writerow([student.student, student.id, student.sis_user_id, student.sis_login_id,
                             student.section, cell])
    partial_file.replace(to)
    unmatched = tuple(f"{row.submission.path.name} ({row.student})" for row in graded if row.key not in used)
    return CanvasImport(to, column, top, roster.points.get(column, ""), len(roster.students), scored,
                        tuple(missing), unmatched, tuple(incomplete))
