"""Where a command's time goes: named moments of this process, for
``grade submit --profile-timing`` and the benchmarks.

Standard library only and cheap to import: the ``grade`` entry point marks
its first moment before click, rich or numpy are imported. Each mark is a
``perf_counter`` reading; the report gives each step's share and the time
from the interpreter's own start (the kernel's start time of this process,
to its clock tick, 10 ms on most machines) to the first mark.
"""

from __future__ import annotations

import os
import sys
import threading
import time

_MARKS: list[tuple[str, float]] = []
_LOCK = threading.Lock()
_ON = False
"""Marks are kept only once ``start`` was called (a batch worker's would pile up)."""


def mark(label: str) -> None:
    """Record that ``label`` has just happened (any thread)."""
    if _ON:
        with _LOCK:
            _MARKS.append((label, time.perf_counter()))


def mark_at(label: str, boottime: float) -> None:
    """Record that ``label`` happened at ``boottime`` (``CLOCK_BOOTTIME``: a moment of another process's)."""
    if _ON:
        with _LOCK:
            _MARKS.append((label, time.perf_counter() - (time.clock_gettime(time.CLOCK_BOOTTIME) - boottime)))


def since_process_start() -> float | None:
    """Seconds since the kernel started this process (None off Linux)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat(5), after pid and comm
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


_START_OFFSET: float | None = None


def start(started: float | None = None, label: str = "interpreter started, grade's entry point reached") -> None:
    """The first mark, with the time the interpreter took to get here; or,
    for a command another process started (the resident server's), the time
    since that process started (``started``: its start on ``CLOCK_BOOTTIME``)."""
    global _START_OFFSET, _ON
    _START_OFFSET = since_process_start() if started is None else time.clock_gettime(time.CLOCK_BOOTTIME) - started
    _ON = True
    mark(label)


def report() -> str:
    """One line a mark: milliseconds since the process started, and since the mark before."""
    with _LOCK:
        marks = sorted(_MARKS, key=lambda found: found[1])
    if not marks:
        return "no timing marks were recorded"
    origin = marks[0][1] - (_START_OFFSET or 0.0)
    lines = [f"{'at ms':>8} {'step ms':>8}  what (process start: the kernel's, to 10 ms)"]
    previous = origin
    for label, moment in marks:
        lines.append(f"{(moment - origin) * 1000:8.1f} {(moment - previous) * 1000:8.1f}  {label}")
        previous = moment
    return "\n".join(lines)


def print_report() -> None:
    mark("done")
    sys.stderr.write(report() + "\n")
