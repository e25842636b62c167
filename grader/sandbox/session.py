"""What the grader gets back from student code, and the session interface.

``StudentSession`` is the one way checks talk to a submission: import it, call
a function with plain values, read module constants. ``SubprocessSession`` is
the real one; ``InProcessSession`` (in ``fake``) serves unit tests of checks.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Callable

from grader.sandbox.wire import NpyFile


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission's child process."""

    wall_seconds: float = 60.0
    """Budget for the whole submission; calls after it is spent are not run."""
    call_seconds: float = 10.0
    """Default time one call may take."""
    import_seconds: float = 10.0
    memory_mb: int = 2048
    output_bytes: int = 64 * 1024
    """How much of the student's stdout and stderr is kept (each)."""


@dataclass(frozen=True)
class StudentError:
    """Why a call into student code produced no value."""

    kind: str
    """``exception``, ``timeout``, ``budget``, ``exit``, ``killed``, ``missing``,
    ``protocol`` or ``import``."""
    message: str
    exc_type: str | None = None
    line: int | None = None
    source_line: str | None = None
    trace: str = ""
    function: str | None = None
    """The innermost function of the submission's own code that was running."""

    @property
    def where(self) -> str:
        """`` in unpack, line 11`` -- where in the student's file it happened."""
        inside = f" in {self.function}" if self.function and self.function != "<module>" else ""
        line = f"{',' if inside else ' at'} line {self.line}" if self.line else ""
        return inside + line

    def describe(self) -> str:
        """One line for a feedback table."""
        if self.kind == "exception":
            where = self.where
            text = f"raised {self.exc_type}{where}: {self.message}"
            if self.exc_type == "NotImplementedError":
                text = "not implemented yet (the stub still raises NotImplementedError)"
            return text
        return self.message


@dataclass(frozen=True)
class Event:
    """Something the child reported during a call, e.g. a spied ``train`` call."""

    event: str
    function: str
    index: int
    value: Any = None
    seconds: float | None = None
    error: StudentError | None = None


@dataclass(frozen=True)
class CallResult:
    function: str
    ok: bool
    value: Any = None
    error: StudentError | None = None
    seconds: float = 0.0
    events: tuple[Event, ...] = ()


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    mode: str
    """``plain`` (the whole file ran) or ``definitions`` (top-level code set aside)."""
    functions: dict[str, Any] = field(default_factory=dict)
    """Function name -> list of parameter descriptions (or None if unknown)."""
    set_aside: tuple[dict[str, Any], ...] = ()
    error: StudentError | None = None
    seconds: float = 0.0
    first_error: StudentError | None = None
    """When ``mode`` is ``definitions``: why the plain import was abandoned."""


EventHandler = Callable[[Event], None]


class StudentSession(abc.ABC):
    """A submission loaded somewhere the grader can call into."""

    @abc.abstractmethod
    def load(self) -> ImportResult:
        """Import the submission (plain import first, definitions only as fallback)."""

    @abc.abstractmethod
    def call(self, function: str, *args: Any, spy: tuple[str, ...] = (), timeout: float | None = None,
             on_event: EventHandler | None = None, **kwargs: Any) -> CallResult:
        """Call ``function`` with plain values (arrays, numbers, lists, ``NpyFile``)."""

    @abc.abstractmethod
    def get(self, *names: str) -> dict[str, Any]:
        """Module-level values by name (missing names are left out)."""

    @abc.abstractmethod
    def set(self, **values: Any) -> None:
        """Set module-level values (e.g. a hyperparameter the template reads as a global)."""

    def close(self) -> None:
        """Release the child process, if any."""

    @property
    def stdout(self) -> str:
        return ""

    @property
    def stderr(self) -> str:
        return ""

    @property
    def notes(self) -> list[str]:
        """What the session did that the student should hear about."""
        return []

    def __enter__(self) -> StudentSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "CallResult", "Event", "EventHandler", "ImportResult", "Limits", "NpyFile",
    "StudentError", "StudentSession",
]
