"""What the grader gets back from student code, and the session interface.

``StudentSession`` is the one way checks talk to a submission: import it, call
a function with plain values, read module constants. ``SubprocessSession`` is
the real one; ``InProcessSession`` (in ``fake``) serves unit tests of checks.

Every call starts from the module as imported plus what the grader ``set``:
globals a function rebinds do not reach the next call. A function that hung or
crashed its process once is not called again (each further call would cost the
whole timeout and end the same way); the session remembers it for every check.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Literal, Mapping, Sequence

from grader.sandbox.wire import NpyFile

ErrorKind = Literal["exception", "timeout", "budget", "exit", "killed", "missing", "protocol", "import",
                    "calls"]
EventKind = Literal["spy_call", "spy_return", "spy_raise"]
ParamKind = Literal["POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", "KEYWORD_ONLY", "VAR_KEYWORD"]
ImportMode = Literal["plain", "definitions"]
_PARAM_KINDS = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL", "KEYWORD_ONLY", "VAR_KEYWORD")
HUNG: tuple[ErrorKind, ...] = ("timeout", "killed")
NOT_AGAIN = "; it is not called again in later checks"


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

    kind: ErrorKind
    message: str
    exc_type: str | None = None
    line: int | None = None
    source_line: str | None = None
    """The text of the line (for a syntax error: as written, with its indentation)."""
    trace: str = ""
    function: str | None = None
    """The innermost function of the submission's own code that was running."""
    column: int | None = None
    """For a syntax error: where on ``source_line`` it is (1-based, as ``SyntaxError.offset``)."""
    end_column: int | None = None
    """For a syntax error on one line: where the faulty part ends (``SyntaxError.end_offset``)."""

    @property
    def where(self) -> str:
        """`` in unpack, line 11`` -- where in the student's file it happened."""
        inside = f" in {self.function}" if self.function and self.function != "<module>" else ""
        line = f"{',' if inside else ' at'} line {self.line}" if self.line else ""
        return inside + line

    @property
    def unimplemented(self) -> bool:
        return self.kind == "exception" and self.exc_type == "NotImplementedError"

    def describe(self) -> str:
        """One line for a feedback table."""
        if self.unimplemented:
            return "not implemented yet (the stub still raises NotImplementedError)"
        if self.kind == "exception":
            return f"raised {self.exc_type}{self.where}: {self.message}"
        return self.message


@dataclass(frozen=True)
class Param:
    """One parameter of a student function, as the child described it."""

    name: str
    kind: ParamKind = "POSITIONAL_OR_KEYWORD"
    has_default: bool = False
    default_repr: str | None = None
    default: int | float | bool | str | None = None
    """The default's value when it is a plain scalar (else None)."""

    @property
    def positional(self) -> bool:
        return self.kind in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")

    @property
    def variadic(self) -> bool:
        return self.kind in ("VAR_POSITIONAL", "VAR_KEYWORD")

    @classmethod
    def from_wire(cls, raw: Any) -> Param | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or raw.get("kind") not in _PARAM_KINDS:
            return None
        default = raw.get("default_value")
        if type(default) not in (int, float, bool, str, type(None)):
            default = None
        shown = raw.get("default_repr")
        return cls(name=raw["name"][:100], kind=raw["kind"], has_default=bool(raw.get("default")),
                   default_repr=str(shown)[:80] if shown is not None else None, default=default)


Signature = tuple[Param, ...]


def signatures_from_wire(raw: Any) -> dict[str, Signature | None]:
    """Function name -> its parameters (None: unreadable), from the child's description."""
    if not isinstance(raw, dict):
        return {}
    found: dict[str, Signature | None] = {}
    for name, params in list(raw.items())[:2000]:
        if not isinstance(name, str):
            continue
        if not isinstance(params, list):
            found[name] = None
            continue
        parsed = [Param.from_wire(p) for p in params[:200]]
        found[name] = tuple(p for p in parsed if p is not None) if all(parsed) else None
    return found


@dataclass(frozen=True)
class Event:
    """Something the child reported during a call, e.g. a spied ``train`` call."""

    event: EventKind
    function: str
    index: int
    value: Any = None
    seconds: float | None = None
    error: StudentError | None = None


@dataclass(frozen=True)
class Call:
    """A call to make first, in the same request (see ``StudentSession.call``)."""

    function: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CallResult:
    function: str
    ok: bool
    value: Any = None
    error: StudentError | None = None
    seconds: float = 0.0
    events: tuple[Event, ...] = ()
    before: tuple[StudentError | None, ...] = ()
    """For each call made first: None if it returned, else why it did not."""
    records: Mapping[str, Any] = field(default_factory=dict)
    """What the child's stand-in modules recorded during the call, by module
    (``wandb``: its runs), as plain values."""


@dataclass(frozen=True)
class SetAside:
    """One top-level statement that importing only the definitions did not run
    (or ran and saw fail), as the child described it."""

    line: int
    end_line: int
    what: str
    """What kind of code it is (``data loading``) or how it failed."""
    text: str = ""
    """Its first line of code, shortened (``import torch``); empty for the
    ``if __name__ == "__main__":`` block, which ``what`` names."""

    @classmethod
    def from_wire(cls, raw: Any) -> SetAside | None:
        if not isinstance(raw, dict) or type(raw.get("line")) is not int or type(raw.get("what")) is not str:
            return None
        end = raw.get("end_line")
        text = raw.get("text")
        return cls(line=raw["line"], end_line=end if type(end) is int and end >= raw["line"] else raw["line"],
                   what=raw["what"][:300], text=text[:120] if type(text) is str else "")


def set_aside_from_wire(raw: Any) -> tuple[SetAside, ...]:
    """What the child set aside, each place checked (malformed entries dropped)."""
    parts = [SetAside.from_wire(part) for part in raw[:1000]] if isinstance(raw, list) else []
    return tuple(part for part in parts if part is not None)


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    mode: ImportMode
    """``plain`` (the whole file ran) or ``definitions`` (top-level code set aside)."""
    functions: dict[str, Signature | None] = field(default_factory=dict)
    """Function name -> its parameters (None if unknown)."""
    set_aside: tuple[SetAside, ...] = ()
    error: StudentError | None = None
    seconds: float = 0.0
    first_error: StudentError | None = None
    """When ``mode`` is ``definitions``: why the plain import was abandoned."""


EventHandler = Callable[[Event], None]


class StudentSession(abc.ABC):
    """A submission loaded somewhere the grader can call into."""

    limits: Limits

    def __init__(self) -> None:
        self._hung: dict[str, CallResult] = {}

    def load(self) -> ImportResult:
        """Import the submission: the whole file first; if that fails or runs
        too long (top-level training, data loading, ``sys.exit()``), only its
        definitions, with the top-level script code set aside."""
        plain = self._import("plain")
        if plain.ok or (plain.error is not None and plain.error.exc_type == "SyntaxError"):
            return plain
        fallback = self._import("definitions")
        if not fallback.ok:
            return plain
        return ImportResult(ok=True, mode="definitions", functions=fallback.functions,
                            set_aside=fallback.set_aside, seconds=plain.seconds + fallback.seconds,
                            first_error=plain.error)

    @abc.abstractmethod
    def _import(self, mode: ImportMode) -> ImportResult:
        """One import attempt in the given mode."""

    def call(self, function: str, *args: Any, spy: tuple[str, ...] = (), timeout: float | None = None,
             on_event: EventHandler | None = None, with_globals: Mapping[str, Any] | None = None,
             before: Sequence[Call] = (), **kwargs: Any) -> CallResult:
        """Call ``function`` with plain values (arrays, numbers, lists, ``NpyFile``).

        ``spy`` names module functions whose calls are reported as events;
        ``with_globals`` sets module globals for this call only; ``before``
        lists calls made first, in the same request (the module is restored
        before the request, not between them)."""
        hung = self._hung.get(function)
        if hung is not None:
            return hung
        result = self._call(function, args, kwargs, spy=spy, timeout=timeout, on_event=on_event,
                            with_globals=dict(with_globals or {}), before=tuple(before))
        if not result.ok and result.error is not None and result.error.kind in HUNG:
            result = replace(result, error=replace(result.error, message=result.error.message + NOT_AGAIN))
            self._hung[function] = result
        return result

    @abc.abstractmethod
    def _call(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, spy: tuple[str, ...],
              timeout: float | None, on_event: EventHandler | None, with_globals: dict[str, Any],
              before: tuple[Call, ...]) -> CallResult:
        """Make one call request."""

    @abc.abstractmethod
    def get(self, *names: str) -> dict[str, Any]:
        """Module-level values by name, as every call finds them (missing names are left out)."""

    @abc.abstractmethod
    def set(self, **values: Any) -> None:
        """Set module-level values for every later call (e.g. a constant the file lacks)."""

    def fresh(self) -> None:
        """From the next request on, a new process in a new working folder
        (with the submission's own copy only) imports the submission again:
        nothing an earlier call left on disk or in memory reaches the next.
        (In the grader's own process, where tests of trusted code run, a no-op.)"""

    def grant(self, seconds: float) -> None:
        """Let the next request run ``seconds`` even if the submission's time
        budget is spent: work the grader does for its own checks (replaying a
        trial) must not be crowded out by what the submission used."""

    def close(self) -> None:
        """Release the child process, if any."""

    @property
    def isolation(self) -> str:
        """The isolation in force: ``namespaces``, ``uid``, ``python-hook`` or ``none``."""
        return "none"

    @property
    def isolation_detail(self) -> str:
        return "in the grader's own process: for tests of trusted code only"

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


def calls_to_wire(before: Sequence[Call]) -> list[dict[str, Any]]:
    return [{"function": c.function, "args": list(c.args), "kwargs": dict(c.kwargs)} for c in before]


__all__ = [
    "Call", "CallResult", "ErrorKind", "Event", "EventHandler", "ImportResult", "Limits", "NpyFile", "Param",
    "SetAside", "Signature", "StudentError", "StudentSession", "calls_to_wire", "set_aside_from_wire",
    "signatures_from_wire",
]
