"""Running untrusted submissions: the session interface and its implementations."""

from __future__ import annotations

from grader.sandbox.session import (
    CallResult, Event, ImportResult, Limits, NpyFile, StudentError, StudentSession,
)
from grader.sandbox.subprocess_session import SubprocessSession

__all__ = [
    "CallResult", "Event", "ImportResult", "Limits", "NpyFile", "StudentError",
    "StudentSession", "SubprocessSession",
]
