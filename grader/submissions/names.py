"""How a handed file's name relates to an assignment's file patterns.

Patterns name Python files (``homework6_*.py``); a student's notebook or zip of the same stem
(``homework6_jsmith.ipynb``, ``homework6_jsmith.zip``) is the same submission in another wrapping,
and a Canvas download name wraps the name the student gave in Canvas's own parts.
"""

from __future__ import annotations

import fnmatch
from pathlib import PurePosixPath

from grader.assignments import Assignment
from grader.submissions import canvas

WRAPPERS = (".ipynb", ".zip")
"""Extensions whose files are read as the Python file of the same stem."""


def as_python(name: str) -> str:
    """``homework6_jsmith.ipynb`` -> ``homework6_jsmith.py``; other names are left as they are."""
    path = PurePosixPath(name)
    return path.with_suffix(".py").name if path.suffix.lower() in WRAPPERS else path.name


def python_name(filename: str) -> str:
    """The name to tell a handed file's assignment and students by: the name the student gave
    (a Canvas download name's own parts parsed off), as the Python file it wraps."""
    name = PurePosixPath(filename).name
    found = canvas.parse(name)
    return as_python(found.original if found and found.kind == "file" else name)


def fits(assignment: Assignment, name: str) -> bool:
    """Whether a file (a basename) is named after one of the assignment's patterns."""
    lowered = as_python(name).lower()
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in assignment.file_patterns)


def is_stub(assignment: Assignment, name: str) -> bool:
    """Whether a file carries the student stub's own name (``homework6.py``)."""
    return as_python(name).lower() == PurePosixPath(assignment.stub).name.lower()
