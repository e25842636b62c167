"""What one child may use while it answers: bytes it may send or write, spied
calls it may report, processes it may run. The grader holds the child to
them; checks quote them to the student."""

from __future__ import annotations

from grader.sandbox.runtime import HARNESS
from grader.sandbox.session import Limits

WORK_BYTES = 512 << 20
"""What a child may write in its working folder (plots, saved weights), at most."""
ANSWER_BYTES = 1 << 30
"""The most the child may send while answering one request: array bytes, plus
each JSON header byte counted ``wire.HEADER_WEIGHT`` times (what it decodes into)."""
EVENT_BYTES = 64 << 20
"""... of which call reports (spied calls and the values they return): a
search's trained weights are a few MB; a flood of forged reports, arrays or
nested JSON alike, must not make the grader hold gigabytes."""
SPIED_CALLS = 500
"""The most calls of a spied function (a search's trials) one request may
report; at the next the grader stops the child and grades the calls so far."""


def guard_processes() -> int:
    """The child's process cap: the guard's per-uid limit, read from its file
    (the guard is loaded by path in the child, never imported here)."""
    for line in (HARNESS.parent / "guard.py").read_text().splitlines():
        if line.startswith("PROCESSES = "):
            return int(line.split("=")[1].split("#")[0])
    return 128


def work_bytes(limits: Limits) -> int:
    """The size of a child's working folder: WORK_BYTES, or less under a small memory limit."""
    return min(WORK_BYTES, limits.memory_mb * 1024 * 1024 // 2)
