"""The names Canvas gives the files of its "Download Submissions" zip.

Canvas joins the submitter's sortable name (lower-cased, every non-word character removed:
``Smith, John`` is ``smithjohn``), ``LATE`` for a late submission and the Canvas user id with
``_``, then adds the file's attachment id and the name the student uploaded::

    smithjohn_12345_6789012_homework2_affine_jsmith.py
    smithjohn_LATE_12345_6789012_homework2_affine_jsmith-1.py

Under anonymous grading the name and user id give way to ``anon_<anonymous id>`` (``LATE`` then
comes first: ``LATE_anon_b4Xk2_...``). A submission typed into Canvas is ``..._text.html``, a URL
is ``..._link.html``; neither has an attachment id. When a student uploads a name they uploaded
before, Canvas appends ``-1``, ``-2`` before the extension; :attr:`CanvasName.repeat` is that
number. The user id is the gradebook's ``ID`` column: it, not any name, says who the student is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

CanvasKind = Literal["file", "text", "link"]

_TAIL = r"_(?:(?P<file_id>\d+)_(?P<original>.+)|(?P<entry>text|link)\.html)"
_ANONYMOUS = re.compile(r"(?P<late>LATE_)?(?P<user_id>anon_[0-9A-Za-z]+?)" + _TAIL, re.DOTALL)
_NAMED = re.compile(r"(?P<name>\w*?)(?P<late>_LATE)?_(?P<user_id>\d+)" + _TAIL, re.DOTALL)
"""Anonymous names are tried first: a sortable name never holds ``anon_``, but under the named
form ``anon_b4Xk2_678_...`` could be misread as a student called ``anon_b4xk2``. The sortable name
is matched as short as it can be because Canvas removes ``_<digits>_`` from it: the first
``_<digits>_`` is the user id."""
_REPEAT = re.compile(r"(?P<stem>.+?)-(?P<number>\d+)(?P<extension>\.[^.]*)?", re.DOTALL)


@dataclass(frozen=True)
class CanvasName:
    """What a Canvas download name says, in Canvas's own terms."""

    sortable_name: str | None
    """``smithjohn``; None under anonymous grading."""
    late: bool
    user_id: str
    """The Canvas user id (``12345``), or ``anon_<id>`` under anonymous grading: never a user id
    a gradebook knows, so it is kept in the form that says so."""
    file_id: str | None
    """The attachment id; None for text and link entries. Canvas numbers attachments as they
    are uploaded, so of one student's files the highest is the newest."""
    original: str
    """The uploaded name as Canvas wrote it, ``-1`` included; empty for text and link entries."""
    repeat: int | None
    """The ``-N`` Canvas appended to a name the student had uploaded before."""
    kind: CanvasKind

    @property
    def anonymous(self) -> bool:
        return self.sortable_name is None

    @property
    def base_name(self) -> str:
        """The name as the student gave it: ``original`` without Canvas's ``-N``."""
        found = _REPEAT.fullmatch(self.original) if self.repeat is not None else None
        return f"{found['stem']}{found['extension'] or ''}" if found else self.original


def parse(filename: str) -> CanvasName | None:
    """The parts of a Canvas download name, or None when ``filename`` is not one."""
    found = _ANONYMOUS.fullmatch(filename) or _NAMED.fullmatch(filename)
    if found is None:
        return None
    anonymous = found.re is _ANONYMOUS
    entry = found["entry"]
    original = "" if entry else found["original"]
    repeat = _REPEAT.fullmatch(original)
    return CanvasName(
        sortable_name=None if anonymous else found["name"], late=bool(found["late"]),
        user_id=found["user_id"], file_id=found["file_id"], original=original,
        repeat=int(repeat["number"]) if repeat else None,
        kind="file" if entry is None else ("text" if entry == "text" else "link"))
