"""The isolation levels and modes, and what a machine offers: the types the
isolation modules and their callers share, on a floor of their own so that
the bubblewrap command can take an ``Available`` without importing the probe
that finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["namespaces", "uid", "python-hook", "none"]
Mode = Literal["auto", "strict"]


@dataclass(frozen=True)
class Available:
    """What this machine offers, found once per process."""

    level: Level
    detail: str
    """Which mechanism and limits, or why namespaces are not available."""
    bwrap: str | None = None
    root: bool = False
    refuse: str | None = None
    """Why no submission may run here at all, in any mode (a child that would
    run as root with nothing but the Python guard around it)."""
