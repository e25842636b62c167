"""Collecting a batch's folder: which entries are submissions (one per student, the newest that fits
the assignment's names) and what became of every other one, each with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.assignments import Assignment
from grader.batch.store import digest
from grader.errors import UsageError
from grader.identity import Identity, identify


@dataclass(frozen=True)
class Submission:
    path: Path
    digest: str
    students: tuple[str, ...]
    """The logins the name gives (a team's members)."""
    user_id: str | None = None
    """The Canvas user id of a Canvas download name: the gradebook's ``ID``."""
    sortable_name: str | None = None
    late: bool = False


Status = Literal["graded", "superseded", "companion", "refused"]


@dataclass(frozen=True)
class Accounted:
    """What became of one entry of the batch folder: graded, superseded by a
    later file of the same student, kept with a student's graded file (the
    PDF), or refused with its reason. Every entry has one."""

    file: str
    status: Status
    reason: str = ""
    students: tuple[str, ...] = ()
    user_id: str | None = None
    late: bool = False


GRADABLE = (".py", ".ipynb", ".zip")
"""What the reader turns into a Python source (and folders)."""


def collect(folder: Path, assignment: Assignment) -> tuple[list[Submission], list[Accounted]]:
    """The submissions of ``folder`` (its ``.py`` files, notebooks, zips and
    folders; Canvas download names parsed), and what
    became of every entry. Of one student's files (one Canvas user id, or one
    set of logins) the newest that fits the assignment's names is graded and
    the others are superseded; their other files (the PDF) go with it; the
    rest is refused, each with its reason."""
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    entries = sorted(folder.iterdir())
    if not entries:
        raise UsageError(f"{folder} is empty: nothing to grade")
    ids = {path: identify(assignment, path.name) for path in entries}

    def key(path: Path) -> tuple[str, ...] | None:
        found = ids[path]
        return ("canvas", found.user_id) if found.user_id else ("logins", *found.logins) if found.logins else None

    accounted: list[Accounted] = []
    candidates: dict[tuple[str, ...], list[Path]] = {}
    others: list[Path] = []
    for path in entries:
        found = ids[path]
        if path.name.startswith("."):
            accounted.append(_account(path, found, "refused", "a hidden file (a system's own, such as .DS_Store): "
                                      "not a submission"))
        elif found.canvas is not None and found.canvas.kind != "file":
            accounted.append(_account(path, found, "refused", f"a Canvas {found.canvas.kind} entry (the student "
                                      "typed or linked an answer instead of uploading a file): nothing to grade"))
        elif path.is_dir() or Path(found.name).suffix.lower() in GRADABLE:
            candidates.setdefault(key(path) or ("file", path.name), []).append(path)
        else:
            others.append(path)
    submissions = []
    for group in candidates.values():
        newest = max(group, key=lambda path: (ids[path].fits, ids[path].order, path.stat().st_mtime, path.name))
        found = ids[newest]
        submissions.append(Submission(newest, digest(newest), found.logins, found.user_id,
                                      found.canvas.sortable_name if found.canvas else None, found.late))
        accounted.append(_account(newest, found, "graded"))
        for path in group:
            if path != newest:
                accounted.append(_account(path, ids[path], "superseded", f"superseded by {newest.name}, a later "
                                          "file of the same student: only that one is graded"))
    graded = {key(s.path): s.path.name for s in submissions if key(s.path) is not None}
    for path in others:
        owner = graded.get(key(path)) if key(path) is not None else None
        if owner is not None:
            accounted.append(_account(path, ids[path], "companion", f"kept with {owner} (not Python: for the "
                                      "items graded by hand)"))
        else:
            suffix = Path(ids[path].name).suffix or "no extension"
            accounted.append(_account(path, ids[path], "refused", f"not a submission ({suffix}), and no "
                                      "Python file, notebook or zip of the same student is here"))
    order = {path.name: index for index, path in enumerate(entries)}
    submissions.sort(key=lambda s: order[s.path.name])
    accounted.sort(key=lambda a: order[a.file])
    return submissions, accounted


def _account(path: Path, found: Identity, status: Status, reason: str = "") -> Accounted:
    return Accounted(path.name, status, reason, found.logins, found.user_id, found.late)
