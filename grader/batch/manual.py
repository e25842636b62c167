"""The items graded by hand (``Assignment.manual``): a template a TA fills
in, its import into the batch's store, and who still needs grading.

A student is who ``results.rows`` says (their Canvas user id, else login,
else file); a hand grade is stored by that row's key and item name, so a
rerun of ``grade batch`` (which never writes the ``manual`` table) keeps it.
An import is checked whole before anything is stored: one bad line and
nothing of the file is used. Each command holds the batch folder's lock (an
import as its writer), so none runs beside a ``grade batch`` on it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from grader.batch.outputs import write_outputs
from grader.batch.record import Batch, open_batch
from grader.batch.results import Row, hand_of, result_for, rows
from grader.batch.store import locked
from grader.errors import GradesFileError, UsageError

COLUMNS = ("Student", "ID", "SIS Login ID", "Submission", "Item", "Max", "Points", "Comment", "Handed with")
"""The template's header; an import needs ``Item``, ``Points`` and one of ``ID``, ``SIS Login ID``, ``Submission``."""


@dataclass(frozen=True)
class Template:
    path: Path
    students: int
    items: int
    prefilled: int
    """Lines that already carry stored points (a template written after an import)."""


@dataclass(frozen=True)
class Imported:
    stored: int
    """(student, item) grades stored by this import."""
    blank: int
    """Lines left blank: not graded yet."""
    complete: int
    students: int


@dataclass(frozen=True)
class Pending:
    student: str
    user_id: str
    login: str
    submission: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Status:
    students: int
    complete: int
    pending: tuple[Pending, ...]
    items: tuple[str, ...]


def _open(out: Path) -> Batch:
    batch = open_batch(out)
    if not batch.assignment.manual:
        batch.store.close()
        raise UsageError(f"{batch.assignment.id} has no items graded by hand (its assignment.toml declares no manual items)")
    return batch


def handed_with(batch: Batch, row: Row) -> list[str]:
    """The paths of the files that came with a student's submission (the PDF):
    those inside its zip or folder, kept by the batch, and the student's other
    files next to it in the class folder."""
    result = result_for(batch, row.submission)
    found = [str(c["kept"]) for c in (result.get("handed") or {}).get("companions") or [] if c.get("kept")]
    owner = (row.submission.user_id, tuple(row.submission.students))
    for entry in batch.accounted:
        if entry.status == "companion" and (entry.user_id or None, tuple(entry.students)) == owner:
            found.append(str(row.submission.path.parent / entry.file))
    return found


def template(out: Path, *, to: Path) -> Template:
    """Write ``to``: a line per (student, item graded by hand), points and
    comment empty (or as stored), with the files a TA grades from."""
    with locked(out, command="grade manual template", shared=True):
        batch = _open(out)
        try:
            graded = rows(batch)[0]
            prefilled = 0
            partial = to.with_name(f".{to.name}.partial")
            with partial.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(COLUMNS)
                for row in graded:
                    paths = "; ".join(handed_with(batch, row))
                    for item in hand_of(batch, row).items:
                        prefilled += item.points is not None
                        writer.writerow([row.student, row.user_id, row.login, row.submission.path.name, item.name,
                                         f"{item.max_score:g}", "" if item.points is None else f"{item.points:g}",
                                         item.comment, paths])
            partial.replace(to)
            return Template(to, len(graded), len(batch.assignment.manual), prefilled)
        finally:
            batch.store.close()


def import_grades(out: Path, grades: Path) -> Imported:
    """Check every line of ``grades`` (a filled template), then store them
    all in one transaction and rewrite the batch's outputs; any bad line
    raises ``GradesFileError`` listing all of them, and nothing is stored."""
    with locked(out, command="grade manual import"):
        batch = _open(out)
        try:
            graded = rows(batch)[0]
            stored, blank = _parse(batch, graded, grades)
            batch.store.put_manual(stored)
            write_outputs(batch, out)
            complete = sum(hand_of(batch, row).complete for row in graded)
            return Imported(len(stored), blank, complete, len(graded))
        finally:
            batch.store.close()


def _parse(batch: Batch, graded: list[Row], grades: Path) -> tuple[list[tuple[str, str, float, str, str]], int]:
    try:
        text = grades.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {grades}: {exc}") from exc
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in ("Item", "Points") if name not in header]
    if missing or not {"ID", "SIS Login ID", "Submission"} & set(header):
        raise GradesFileError(f"{grades} is not a hand-grades file (see grade manual template)", (
            f"line 1: the header needs Item, Points and one of ID, SIS Login ID, Submission; it is {header}",))
    by_id = {row.user_id: row for row in graded if row.user_id}
    by_login = {row.login.casefold(): row for row in graded if row.login}
    by_file = {row.submission.path.name: row for row in graded if row.key.startswith("file:")}
    maxima = {item.name: item.points for item in batch.assignment.manual}
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    stored: list[tuple[str, str, float, str, str]] = []
    blank = 0
    for number, line in enumerate(reader, start=2):
        cell = {key: (value or "").strip() for key, value in line.items() if key is not None}
        if not any(cell.values()):
            continue
        user_id, login, file = cell.get("ID", ""), cell.get("SIS Login ID", ""), cell.get("Submission", "")
        row = by_id.get(user_id) if user_id else by_login.get(login.casefold()) if login else by_file.get(file)
        where = f"line {number}"
        bad = []
        if row is None:
            who = f"ID {user_id!r}" if user_id else f"SIS Login ID {login!r}" if login else f"Submission {file!r}"
            bad.append(f"no graded student has {who}")
        item = cell.get("Item", "")
        if item not in maxima:
            bad.append(f"{item!r} is not an item graded by hand (they are: {', '.join(maxima)})")
        points_text = cell.get("Points", "")
        points = None
        if points_text:
            try:
                points = float(points_text)
            except ValueError:
                bad.append(f"points {points_text!r} is not a number")
            else:
                if not math.isfinite(points):
                    bad.append(f"points {points_text!r} is not a number")
                elif points < 0:
                    bad.append(f"points {points_text} is below 0")
                elif item in maxima and points > maxima[item]:
                    bad.append(f"points {points_text} is above the item's maximum {maxima[item]:g}")
        if row is not None and item in maxima:
            key = (row.key, item)
            if key in seen:
                bad.append(f"repeats line {seen[key]} (the same student and item)")
            else:
                seen[key] = number
        if bad:
            problems.append(f"{where}: " + "; ".join(bad))
        elif points is None:
            blank += 1
        else:
            assert row is not None
            stored.append((row.key, item, points, cell.get("Comment", ""), row.submission.path.name))
    if problems:
        raise GradesFileError(f"{grades}: {len(problems)} bad line(s), nothing stored:", tuple(problems))
    return stored, blank


def status(out: Path) -> Status:
    """Who still has items to be graded by hand, and which."""
    with locked(out, command="grade manual status", shared=True):
        batch = _open(out)
        try:
            graded = rows(batch)[0]
            pending = []
            for row in graded:
                missing = hand_of(batch, row).missing
                if missing:
                    pending.append(Pending(row.student, row.user_id, row.login, row.submission.path.name, missing))
            return Status(len(graded), len(graded) - len(pending), tuple(pending),
                          tuple(item.name for item in batch.assignment.manual))
        finally:
            batch.store.close()
