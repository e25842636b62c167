"""An in-process stand-in for the sandbox, for unit tests of checks.

It imports a *trusted* module in the grader's own process and passes every
argument and return value through the real wire encoding, so a check sees
exactly the plain values it would get from a child. Never use it for
submissions: it has no isolation at all.
"""

from __future__ import annotations

import importlib.util
import io
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.sandbox import wire
from grader.sandbox.session import CallResult, Event, EventHandler, ImportResult, StudentError, StudentSession


def _round_trip(value: Any) -> Any:
    buffer = io.BytesIO()
    wire.write_frame(buffer, {}, value)
    buffer.seek(0)
    return wire.read_frame(buffer)["value"]


class InProcessSession(StudentSession):
    def __init__(self, path: Path, *, module_name: str, **_: Any) -> None:
        self.path = Path(path)
        self.module_name = module_name
        self.module: ModuleType | None = None

    def load(self) -> ImportResult:
        spec = importlib.util.spec_from_file_location(self.module_name, self.path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            return ImportResult(ok=False, mode="plain", error=StudentError("exception", str(exc), type(exc).__name__))
        self.module = module
        functions = {name: None for name, value in vars(module).items()
                     if callable(value) and getattr(value, "__module__", None) == module.__name__}
        return ImportResult(ok=True, mode="plain", functions=functions)

    def call(self, function: str, *args: Any, spy: tuple[str, ...] = (), timeout: float | None = None,
             on_event: EventHandler | None = None, **kwargs: Any) -> CallResult:
        target = getattr(self.module, function, None)
        if not callable(target):
            return CallResult(function, ok=False, error=StudentError("missing", f"{function} is not defined",
                                                                    "MissingFunction"))
        events: list[Event] = []
        originals = {name: getattr(self.module, name) for name in spy if callable(getattr(self.module, name, None))}
        for name, original in originals.items():
            setattr(self.module, name, self._spy(name, original, events, on_event))
        started = time.perf_counter()
        try:
            value = target(*_round_trip(list(args)), **_round_trip(kwargs))
        except Exception as exc:
            return CallResult(function, ok=False, error=StudentError("exception", str(exc), type(exc).__name__),
                              events=tuple(events))
        finally:
            for name, original in originals.items():
                setattr(self.module, name, original)
        return CallResult(function, ok=True, value=_round_trip(value), seconds=time.perf_counter() - started,
                          events=tuple(events))

    @staticmethod
    def _spy(name: str, original: Any, events: list[Event], on_event: EventHandler | None) -> Any:
        def spy(*args: Any, **kwargs: Any) -> Any:
            index = sum(1 for event in events if event.event == "spy_call")
            for event in (Event("spy_call", name, index, {"args": [], "kwargs": {}}),):
                events.append(event)
                if on_event:
                    on_event(event)
            result = original(*args, **kwargs)
            returned = Event("spy_return", name, index, _round_trip(result))
            events.append(returned)
            if on_event:
                on_event(returned)
            return result

        return spy

    def get(self, *names: str) -> dict[str, Any]:
        return {name: _round_trip(getattr(self.module, name)) for name in names if hasattr(self.module, name)}

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.module, name, value)
