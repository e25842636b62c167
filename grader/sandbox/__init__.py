"""Running untrusted submissions: the session interface and its implementations.

The names are loaded on first use: ``grade submit`` starts its sandboxed
child from ``grader.sandbox.headstart`` before numpy (which the session
types need) is imported, and that must not wait for numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.sandbox.session import (
        CallResult, Event, ImportResult, Limits, NpyFile, StudentError, StudentSession,
    )
    from grader.sandbox.subprocess_session import SubprocessSession

_WHERE = {"CallResult": "session", "Event": "session", "ImportResult": "session", "Limits": "session",
          "NpyFile": "session", "StudentError": "session", "StudentSession": "session",
          "SubprocessSession": "subprocess_session"}

__all__ = [
    "CallResult", "Event", "ImportResult", "Limits", "NpyFile", "StudentError",
    "StudentSession", "SubprocessSession",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"grader.sandbox.{_WHERE[name]}"), name)
