"""Each submission's result as the batch writes it (an identical copy shares the grade; the points
graded by hand added once there are any), and the class's rows: a team file gives a row per
member; a student is in one row however many files name them (``rows``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.folder import Submission
from grader.batch.hand import HandGrade, hand_grade
from grader.batch.record import Batch
from grader.identity import canvas_ids


def result_for(batch: Batch, submission: Submission) -> dict[str, Any]:
    """The stored result, as this file's own (an identical copy shares the grade),
    with the points graded by hand once there are any (``hand_score``,
    ``total_score``; ``manual_by_student`` when a team's members differ)."""
    stored = batch.store.get(submission.digest)
    assert stored is not None, submission.path
    result = {**stored.result, "submission": submission.path.name, "students": list(submission.students),
              "late": submission.late, **({"canvas_user_id": submission.user_id} if submission.user_id else {})}
    if not batch.assignment.manual:
        return result
    grades = batch.store.manual()
    hands = {row.key: hand_grade(batch.assignment, grades, row.key, row.aliases) for row in rows(batch)[0]
             if row.submission == submission}  # the students this file grades (not those graded by their own)
    if not any(hand.started for hand in hands.values()):
        return result
    if len(set(hands.values())) > 1:
        result["manual_by_student"] = {key.split(":", 1)[1]: _manual(hand) for key, hand in hands.items()}
        return result
    hand = next(iter(hands.values()))
    score = float(result.get("score", 0))
    return {**result, "manual": _manual(hand), "auto_score": score, "hand_score": hand.score,
            "hand_complete": hand.complete, "total_score": score + hand.score,
            "total_max_score": float(result.get("max_score", 0)) + hand.max_score}


def _manual(hand: HandGrade) -> list[dict[str, Any]]:
    return [{"name": item.name, "max_score": item.max_score,
             **({"score": item.points, "comment": item.comment} if item.points is not None else {})}
            for item in hand.items]


def hand_of(batch: Batch, row: Row) -> HandGrade:
    """The items graded by hand of one gradebook row."""
    return hand_grade(batch.assignment, batch.store.manual(), row.key, row.aliases)


def _people(submission: Submission, ids: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    """(row key, login, Canvas user id) of each student a submission names: a solo Canvas file's
    uploader, else the Canvas user another file ties the login to (``ids``), else the login."""
    logins = submission.students
    people: list[tuple[str | None, str | None]] = [
        (login, submission.user_id if len(logins) == 1 and submission.user_id else ids.get(login))
        for login in logins] or [(None, submission.user_id)]
    return [(f"id:{user_id}" if user_id else f"login:{login}" if login else f"file:{submission.path.name}",
             login, user_id) for login, user_id in people]


@dataclass(frozen=True)
class Row:
    """One student's gradebook row: who, and the submission that grades them."""

    student: str
    user_id: str
    login: str
    submission: Submission
    key: str = ""
    """``id:<Canvas user id>``, else ``login:<login>``, else ``file:<file name>``: what hand points are stored by,
    the same in every command."""
    aliases: tuple[str, ...] = ()
    """The student's ``login:`` key when ``key`` is their Canvas id: hand points stored before a file tied the two."""


_WHY = ("their own file (Canvas says they uploaded it, and its name gives them alone)",
        "their own file (its name gives them alone)",
        "the first team file in the folder that lists them (no file of their own is here: check which team they "
        "were in)")
"""Why the file that grades a student named by several does, best first (``_rank``)."""


def _rank(submission: Submission, user_id: str | None) -> int:
    if len(submission.students) <= 1:
        return 0 if user_id and submission.user_id == user_id else 1
    return 2


def rows(batch: Batch) -> tuple[list[Row], list[str]]:
    """A row per student, never two. A student is their Canvas user id where a file ties their login
    to one (``identity.canvas_ids``: a classmate's team file listing them meets their own Canvas file),
    else their login, else the file. Of the graded files naming one student, their own grades them (one
    Canvas says they uploaded before one whose name merely gives them alone), else the first team file
    listing them. Returns the rows and the conflicts for the instructor: who, which files, which one
    grades them and why; and each login that files of several Canvas users give."""
    named = canvas_ids((entry.file, entry.students, entry.user_id) for entry in batch.accounted)
    ids = {login: next(iter(users)) for login, users in named.items() if len(users) == 1}
    names = {s.user_id: s.sortable_name for s in batch.submissions
             if s.user_id and s.sortable_name and len(s.students) <= 1}
    chosen: dict[str, tuple[int, Row]] = {}
    naming: dict[str, list[str]] = {}
    for submission in batch.submissions:
        for key, login, user_id in _people(submission, ids):
            if submission.path.name in naming.get(key, ()):
                continue  # two of its logins are one Canvas user
            row = Row(names.get(user_id or "") or login or submission.path.stem, user_id or "", login or "",
                      submission, key, (f"login:{login}",) if user_id and login else ())
            naming.setdefault(key, []).append(submission.path.name)
            rank = _rank(submission, user_id)
            if key not in chosen or rank < chosen[key][0]:
                chosen[key] = (rank, row)
    conflicts = []
    for key, files in naming.items():
        if len(files) > 1:
            rank, row = chosen[key]
            who = f"{row.login} (ID {row.user_id})" if row.login and row.user_id else row.login or row.student
            graded = row.submission.path.name
            conflicts.append(f"{who} is named by {len(files)} graded files ({', '.join(files)}): graded by {graded}, "
                             f"{_WHY[rank]}; not by {', '.join(file for file in files if file != graded)}")
    for login, users in named.items():
        if len(users) > 1:
            said = "; ".join(f"ID {user_id}: {', '.join(files)}" for user_id, files in users.items())
            conflicts.append(f"{login} is the login in the files of {len(users)} Canvas users ({said}): a row "
                             f"per ID, and a team file listing {login} is tied to none of them")
    return [row for _, row in chosen.values()], conflicts


def write_results(batch: Batch, out: Path) -> None:
    folder = out / "results"
    folder.mkdir(parents=True, exist_ok=True)
    for submission in batch.submissions:
        target = folder / f"{submission.path.stem}.json"
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(json.dumps(result_for(batch, submission), indent=2) + "\n", encoding="utf-8")
        partial.replace(target)
