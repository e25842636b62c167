"""Who submitted a file: the students its name gives, without guesses.

Assignments declare patterns such as ``homework6_*.py``; what the ``*`` stands for names the
students, ``_``-separated for a team (``homework6_ab12_cd34.py`` is two students, a row each in
the gradebook). But names grow as files are handed in again: ``homework6_jsmith-1.py`` (Canvas's
repeat), ``homework6_jsmith_final.py``, ``homework6_jsmith (1).py`` (a browser's second
download), ``homework6_jsmith copy.py``. Those endings are version markers, not students: they are
dropped, and kept in :attr:`Identity.markers` so a batch can say which file is a later version.
What is left names logins only when every part looks like one of the course's logins
(:data:`LOGIN`, or a roster when one is given); otherwise the name gives no student, and
:attr:`Identity.unread` says what was not taken for one.

A Canvas download name (``smithjohn_LATE_12345_6789012_homework6_jsmith.py``) is parsed first
(:mod:`grader.submissions.canvas`): its user id is the student's Canvas identity, its lateness is
recorded, and the name the student gave is read as above. Gradescope gives identities from its
``submission_metadata.json`` instead (``grader.export``).

A team's file names its members by login only (any of them may have uploaded it); another file
whose name gives one login alone, uploaded by one Canvas user, ties that login to that user
(:func:`canvas_ids`), so a classmate's team file and their own file name one student.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from grader.assignments import Assignment
from grader.submissions import canvas
from grader.submissions.canvas import CanvasName
from grader.submissions.names import as_python

LOGIN = re.compile(r"[a-z][a-z0-9]{1,31}")
"""What a course login looks like (WPI's: ``jsmith``, ``ab12``), matched on the lower-cased part."""

MARKER_WORDS = re.compile(
    r"(?:final|new|old|fixed|fix|submission|submit|submitted|updated|update|revised|latest|draft|resubmit"
    r"|resubmission|copy|v\d+|version\d*|rev\d*|\d+)", re.IGNORECASE)
"""``_``-separated parts that are never a student: ``jsmith_final``, ``jsmith_v2``, ``jsmith_2``."""
_TRAILING = re.compile(
    r"(?P<marker>-\d+|\s*\(\d+\)|\s+-\s+copy(?:\s*\(\d+\))?|\s+copy(?:\s+\d+)?|_copy\d+)$", re.IGNORECASE)
"""Endings stuck to a name: Canvas's ``-1``, a browser's `` (1)``, Windows' `` - Copy``, macOS's
`` copy 2``; ``_copy2`` only after a login (``homework2_affine_copy1.py`` alone is a login)."""


@dataclass(frozen=True)
class Identity:
    """What a submission's file name says about who handed it in."""

    file: str
    """The file's name as found (a Canvas download name included)."""
    name: str
    """The name the student gave it (a Canvas name's own parts parsed off)."""
    logins: tuple[str, ...]
    """The students the name gives, lower-cased, in order; empty when it gives none for sure."""
    canvas: CanvasName | None = None
    markers: tuple[str, ...] = ()
    """The version markers dropped from the name, in the order they were written: ``("_final", "-1")``."""
    unread: str = ""
    """The part of the name that looked like no login (``John Smith``), when it gave no student."""
    fits: bool = False
    """Whether the name follows one of the assignment's patterns at all."""

    @property
    def late(self) -> bool:
        """Canvas said the submission was late."""
        return self.canvas is not None and self.canvas.late

    @property
    def user_id(self) -> str | None:
        """The Canvas user id: the gradebook's ``ID``, the student's identity when there is one."""
        return self.canvas.user_id if self.canvas is not None else None

    @property
    def version(self) -> bool:
        """The name says this is one of several versions of one student's file."""
        return bool(self.markers) or (self.canvas is not None and self.canvas.repeat is not None)

    @property
    def order(self) -> tuple[int, int]:
        """Sorts one student's files oldest first: Canvas numbers attachments as they are uploaded,
        and its ``-N`` grows with each upload of one name. Files without a Canvas name all tie
        (the caller decides, e.g. by modification time)."""
        if self.canvas is None:
            return (0, 0)
        return (int(self.canvas.file_id or 0), self.canvas.repeat or 0)


def identify(assignment: Assignment, filename: str, *, login: re.Pattern[str] = LOGIN,
             roster: Collection[str] | None = None) -> Identity:
    """Who a file name says handed it in. With ``roster`` (the course's logins), a part names a
    student only when it is on the roster; without, when it looks like ``login``. A marker word
    (``final``, ``v2``, ``2``) is never a login, unless the roster has it."""
    file = PurePosixPath(filename).name
    found = canvas.parse(file)
    name = found.original if found is not None and found.kind == "file" else ("" if found else file)
    middle = _middle(assignment, as_python(name)) if name else None
    if middle is None:
        return Identity(file, name, (), found, fits=False)
    rest, stuck = _drop_endings(middle)
    parts = [part for part in rest.strip("_- ").split("_") if part]
    known = {member.lower() for member in roster} if roster is not None else None

    def is_login(part: str) -> bool:
        lowered = part.lower()
        return lowered in known if known is not None else bool(login.fullmatch(lowered))

    named = [part for part in parts if not MARKER_WORDS.fullmatch(part) or (known and part.lower() in known)]
    markers = (*(f"_{part}" for part in parts if part not in named), *stuck)
    if named and all(is_login(part) for part in named):
        return Identity(file, name, tuple(dict.fromkeys(part.lower() for part in named)), found, markers, fits=True)
    return Identity(file, name, (), found, markers, unread="_".join(named), fits=True)


def canvas_ids(files: Iterable[tuple[str, tuple[str, ...], str | None]]) -> dict[str, dict[str, list[str]]]:
    """The Canvas user ids each login stands for, and the files that say so: of (file name, logins,
    Canvas user id) of each file, those whose name gives one login alone and that one Canvas user
    uploaded. A login with one id is that student; with several, the files contradict each other
    (one student named their file with another's login) and the login is none of them for sure."""
    found: dict[str, dict[str, list[str]]] = {}
    for file, logins, user_id in files:
        if user_id and len(logins) == 1:
            found.setdefault(logins[0], {}).setdefault(user_id, []).append(file)
    return found


def students(assignment: Assignment, filename: str) -> tuple[str, ...]:
    """The login ids a file name gives, in order; empty if the name follows none of the
    assignment's patterns or names nobody for sure."""
    return identify(assignment, filename).logins


def _middle(assignment: Assignment, name: str) -> str | None:
    """What the first pattern ``name`` follows has its ``*`` stand for; None if it follows none."""
    for pattern in assignment.file_patterns:
        if "*" not in pattern or not fnmatch.fnmatchcase(name.lower(), pattern.lower()):
            continue
        prefix, suffix = pattern.split("*", 1)
        return name[len(prefix):len(name) - len(suffix)] if suffix else name[len(prefix):]
    return None


def _drop_endings(middle: str) -> tuple[str, tuple[str, ...]]:
    """``_jsmith_final-1 (1)`` -> (``_jsmith_final``, (``-1``, `` (1)``)): the endings stuck to a
    name, dropped while something is left before them."""
    endings: list[str] = []
    rest = middle
    while (stuck := _TRAILING.search(rest)) and rest[:stuck.start()].strip("_- "):
        endings.insert(0, stuck.group("marker"))
        rest = rest[:stuck.start()]
    return rest, tuple(endings)
