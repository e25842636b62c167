"""Who submitted a file: the students named in its file name.

Assignments declare patterns such as ``homework6_*.py``: what the ``*`` stands
for names the students, ``_``-separated for a team (``homework6_ab12_cd34.py``
is two students, a row each in the gradebook). Gradescope gives the same
from its ``submission_metadata.json`` (``grader.export``).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from grader.assignments import Assignment

_LOGIN = re.compile(r"[A-Za-z0-9.\-@]+")


def students(assignment: Assignment, filename: str) -> tuple[str, ...]:
    """The login ids a file name gives, in order; empty if the name follows
    none of the assignment's patterns or names nobody."""
    name = Path(filename).name
    for pattern in assignment.file_patterns:
        if "*" not in pattern or not fnmatch.fnmatchcase(name.lower(), pattern.lower()):
            continue
        prefix, suffix = pattern.split("*", 1)
        middle = name[len(prefix):len(name) - len(suffix)] if suffix else name[len(prefix):]
        found = [part for part in middle.strip("_- ").split("_") if part]
        if found and all(_LOGIN.fullmatch(part) for part in found):
            return tuple(dict.fromkeys(part.lower() for part in found))
    return ()
