"""An in-process stand-in for the sandbox, for unit tests of checks.

It imports a *trusted* module in the grader's own process and serves calls with
the child's own code (``introspect``: signatures, module reset, spies, calls
made first), passing every argument and return value through the real wire
encoding, so a check sees exactly the plain values and events it would get
from a child. Never use it for submissions: it has no isolation at all.
"""

from __future__ import annotations

import io
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.sandbox import introspect, patches, safe_import, wire
from grader.sandbox.session import (
    Call, CallResult, ErrorKind, Event, EventHandler, ImportMode, ImportResult, Limits, StudentError, StudentSession,
    calls_to_wire, set_aside_from_wire, signatures_from_wire,
)


def _round_trip(value: Any, *, allow_files: bool = False) -> Any:
    buffer = io.BytesIO()
    wire.write_frame(buffer, {}, value)
    buffer.seek(0)
    return wire.read_frame(buffer, allow_files=allow_files)["value"]


def _info(exc: BaseException, path: Path) -> dict[str, Any]:
    mine = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == str(path)]
    line = mine[-1].lineno if mine else None
    source = mine[-1].line if mine else None
    return {"exc_type": type(exc).__name__, "message": str(exc), "line": line, "source_line": source,
            "function": mine[-1].name if mine else None, **introspect.syntax_error_fields(exc, str(path))}


def _error(info: dict[str, Any]) -> StudentError:
    kind: ErrorKind = "missing" if info["exc_type"] == "MissingFunction" else "exception"
    return StudentError(kind, str(info["message"]), str(info["exc_type"]), line=info.get("line"),
                        source_line=info.get("source_line"), function=info.get("function"),
                        column=info.get("column"), end_column=info.get("end_column"))


def _seed() -> None:
    """As the child does before each call: unseeded student code is deterministic."""
    import random

    import numpy as np

    random.seed(0)
    np.random.seed(0)


class InProcessSession(StudentSession):
    def __init__(self, path: Path, *, module_name: str, limits: Limits | None = None, **_: Any) -> None:
        super().__init__()
        self.path = Path(path)
        self.module_name = module_name
        self.limits = limits or Limits()
        self.module: ModuleType | None = None
        self.state: introspect.ModuleState | None = None

    def _import(self, mode: ImportMode) -> ImportResult:
        """As the child imports: the same code, in this process (trusted files only)."""
        _seed()
        patches.install_standins()
        started = time.perf_counter()
        try:
            module, set_aside = introspect.import_submission(str(self.path), self.module_name, mode, safe_import)
        except BaseException as exc:  # a SystemExit at import must not end the tests
            return ImportResult(ok=False, mode=mode, error=_error(_info(exc, self.path)),
                                seconds=time.perf_counter() - started)
        self.module = module
        self.state = introspect.ModuleState(module)
        functions = signatures_from_wire(_round_trip(introspect.describe_functions(module)))
        parts = set_aside_from_wire(_round_trip(set_aside))
        return ImportResult(ok=True, mode=mode, functions=functions, set_aside=parts,
                            seconds=time.perf_counter() - started)

    def _call(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, spy: tuple[str, ...],
              timeout: float | None, on_event: EventHandler | None, with_globals: dict[str, Any],
              before: tuple[Call, ...]) -> CallResult:
        if self.module is None or self.state is None:
            return CallResult(function, ok=False, error=StudentError("missing", f"{function} is not defined",
                                                                    "MissingFunction"))
        events: list[Event] = []

        def report(event: str, name: str, index: int, fields: dict[str, Any], value: Any) -> None:
            error = fields.get("error")
            found = Event(event, name, index, _round_trip(value), fields.get("seconds"),  # type: ignore[arg-type]
                          _error(error) if isinstance(error, dict) else None)
            events.append(found)
            if on_event is not None:
                on_event(found)

        def material(value: Any) -> Any:
            return introspect.materialise(_round_trip(value, allow_files=True), wire.NpyFile)

        request = {"function": function, "spy": list(spy), "args": material(list(args)), "kwargs": material(kwargs),
                   "globals": material(with_globals),
                   "before": [{"function": step["function"], "args": material(step["args"]),
                               "kwargs": material(step["kwargs"])} for step in calls_to_wire(before)]}
        outcome, value = introspect.run_call(self.module, self.state, request, report,
                                             lambda exc: _info(exc, self.path), _seed, patches.records)
        first = tuple(None if step.get("ok") else _error(step["error"]) for step in outcome.get("before", []))
        records = _round_trip(outcome.get("records", {}))
        if not outcome["ok"]:
            return CallResult(function, ok=False, error=_error(outcome["error"]), events=tuple(events), before=first,
                              records=records)
        return CallResult(function, ok=True, value=_round_trip(value), seconds=outcome["seconds"],
                          events=tuple(events), before=first, records=records)

    def get(self, *names: str) -> dict[str, Any]:
        baseline = self.state.baseline if self.state is not None else {}
        return {name: _round_trip(baseline[name]) for name in names if name in baseline}

    def set(self, **values: Any) -> None:
        if self.state is not None:
            self.state.set({key: introspect.materialise(value, wire.NpyFile) for key, value in values.items()})

    def close(self) -> None:
        sys.modules.pop(self.module_name, None)
