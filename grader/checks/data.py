"""Handing data to student code in the orientation it expects.

Datasets are stored with examples as rows. Courses and students differ on
whether a function takes ``X`` as (d, n) columns or (n, d) rows, and some
files mix the two between ``X`` and ``Y``. An ``Orientation`` says which; the
grader finds the one a submission uses (from its own functions) and passes
every array, in memory or as a memory-mapped ``NpyFile``, that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.sandbox import NpyFile


@dataclass(frozen=True)
class Orientation:
    x_rows: bool
    y_rows: bool

    def describe(self) -> str:
        if self.x_rows == self.y_rows:
            return "rows" if self.x_rows else "columns"
        return "X as rows, Y as columns" if self.x_rows else "X as columns, Y as rows"

    def __str__(self) -> str:
        return self.describe()


COLUMNS = Orientation(False, False)
ROWS = Orientation(True, True)
ORIENTATIONS = (COLUMNS, ROWS, Orientation(False, True), Orientation(True, False))
"""In the order they are tried: both as columns (the course's stub), both as
rows, then the mixed ones."""


def _one(array: Any, rows: bool, given_rows: bool) -> Any:
    if isinstance(array, NpyFile):  # stored with examples as rows
        return NpyFile(array.path, transpose=not rows)
    if rows == given_rows:
        return array
    return np.ascontiguousarray(np.asarray(array).T)


def orient(X: Any, Y: Any, orientation: Orientation, *, given: Orientation = COLUMNS) -> tuple[Any, Any]:
    """``X`` and ``Y`` (arrays in the ``given`` orientation, or ``NpyFile``s)
    in the student's orientation."""
    return _one(X, orientation.x_rows, given.x_rows), _one(Y, orientation.y_rows, given.y_rows)


def hand_over(path: Any, *, rows: bool) -> NpyFile:
    """A dataset file for the child, memory-mapped, examples as rows or columns."""
    return NpyFile(str(path), transpose=not rows)
