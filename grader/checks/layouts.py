"""How a check hands a student function its vectors: as (k, 1) columns or as
(k,) arrays, both right (``grader.checks.cases`` tries them in turn).

A module of its own, below both ``grader.checks.cases``, which tries the
layouts, and ``grader.context``, which remembers per function the one that
worked: neither needs the other for the name.
"""

from __future__ import annotations

from typing import Literal

VectorLayout = Literal["column", "flat"]
LAYOUTS: tuple[VectorLayout, ...] = ("column", "flat")
