"""The real sandbox: student code in a fresh child interpreter.

One child per submission, restarted only if student code kills it (its
start, restarts and end: ``lifecycle``; its pipes: ``child``). It runs in a
scrubbed environment and a private working folder holding a copy of the
submission, under memory and CPU limits it sets on itself before any student
code runs. Here: the requests the grader sends it, and how answers, call
reports and failures become results.
"""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Any

from grader.errors import HarnessError
from grader.sandbox import forking
from grader.sandbox import wire
from grader.sandbox.budgets import ANSWER_BYTES, EVENT_BYTES, SPIED_CALLS
from grader.sandbox.levels import Mode
from grader.sandbox.lifecycle import ChildLifecycle
from grader.sandbox.session import (
    Call, CallResult, Event, EventHandler, ImportMode, ImportResult, Limits, StudentError,
    calls_to_wire, set_aside_from_wire, signatures_from_wire,
)


class SubprocessSession(ChildLifecycle):
    """A submission in a child process, called into by requests on its private pipes."""

    def __init__(self, submission: Path, *, module_name: str, limits: Limits,
                 allow: tuple[Path, ...] = (), deny: tuple[Path, ...] = (),
                 preload: tuple[str, ...] = (), isolation: Mode = "auto",
                 zygotes: forking.ZygotePool | None = None) -> None:
        super().__init__(submission, module_name=module_name, limits=limits, allow=allow, deny=deny,
                         preload=preload, isolation=isolation, zygotes=zygotes)
        self._mode: ImportMode | None = None
        self._globals: dict[str, Any] = {}
        """What ``set`` gave the module: replayed into a restarted child."""
        self._next_id = 0
        self._deadline = time.monotonic() + limits.wall_seconds
        self.restarts = 0

    def grant(self, seconds: float) -> None:
        self._deadline = max(self._deadline, time.monotonic() + seconds)

    def _exchange(self, header: dict[str, Any], value: Any, timeout: float,
                  on_event: EventHandler | None = None) -> tuple[dict[str, Any] | None, StudentError | None, list[Event]]:
        child = self._child or self._start()
        self._next_id += 1
        header = dict(header, id=self._next_id)
        events: list[Event] = []
        remaining_budget = self._deadline - time.monotonic()
        if remaining_budget <= 0:
            return None, StudentError("budget", self._budget_message()), events
        limit = min(timeout, remaining_budget)
        budget_bound = remaining_budget < timeout
        deadline = time.monotonic() + limit
        calls = 0
        child.send(header, value)
        while True:
            try:
                # Past the deadline, frames still queued count for nothing: a
                # child that floods reports cannot keep the grader busy.
                if time.monotonic() >= deadline:
                    raise queue.Empty
                frame = child.frames.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._retire()
                if budget_bound:
                    return None, StudentError("budget", self._budget_message()), events
                return None, StudentError("timeout", f"did not finish within {limit:.0f} s and was stopped "
                                          "(an endless loop, or far too much work for this check?)"), events
            if isinstance(frame, EOFError):
                error = child.exit_description()
                self._retire()
                return None, error, events
            if isinstance(frame, wire.OverBudget):
                refusing = child.refusing
                self._retire()
                if refusing == "events" and header.get("spy"):
                    return None, StudentError("calls", f"sent more than {EVENT_BYTES >> 20} MB of call reports (what "
                                              "its spied calls were given and returned, as the grader would hold "
                                              "them) in one call; the grader stopped it there"), events
                return None, StudentError("protocol", f"sent more than {ANSWER_BYTES >> 20} MB of answers or "
                                          f"{EVENT_BYTES >> 20} MB of call reports while answering one request "
                                          "(arrays, and nested lists or dicts as the grader would hold them); "
                                          "the grader stopped it"), []
            if isinstance(frame, BaseException):
                self._retire()
                return None, StudentError("protocol", "wrote bytes into the grader's private channel; "
                                          "the answer could not be trusted and was discarded"), events
            if frame.get("id") != header["id"]:
                self._retire()
                return None, StudentError("protocol", "sent an answer the grader did not ask for"), events
            if frame.get("internal"):
                raise HarnessError(f"the child's harness failed on a {header.get('op')} request (a grader bug, "
                                   f"not the submission's): {str(frame['internal'])[-1500:]}")
            if "event" in frame:
                if frame["event"] not in ("spy_call", "spy_return", "spy_raise"):
                    self._retire()
                    return None, StudentError("protocol", "sent an event the grader does not know"), events
                if frame["event"] == "spy_call":
                    calls += 1
                    if calls > SPIED_CALLS:
                        self._retire()
                        return None, StudentError("calls", f"called {frame.get('function')!s:.60} more than "
                                                  f"{SPIED_CALLS} times in one call; the grader stopped it at "
                                                  f"call {SPIED_CALLS + 1}"), events
                index, seconds = frame.get("index", 0), frame.get("seconds")
                event = Event(event=frame["event"], function=str(frame.get("function"))[:200],
                              index=index if type(index) is int else -1, value=frame.get("value"),
                              seconds=float(seconds) if isinstance(seconds, (int, float)) else None,
                              error=_error(frame.get("error")))
                events.append(event)
                if on_event is not None:
                    on_event(event)
                continue
            return frame, None, events

    def _budget_message(self) -> str:
        return (f"the time budget of {self.limits.wall_seconds:.0f} s for this submission ran out "
                "before this check could run (points already earned are kept)")

    def _import(self, mode: ImportMode) -> ImportResult:
        frame, error, _ = self._exchange({"op": "import", "mode": mode}, None, self.limits.import_seconds)
        if error is not None:
            if error.kind == "timeout":
                error = StudentError("timeout", f"importing the file took longer than {self.limits.import_seconds:.0f} s "
                                     "(top-level code such as a training run?)")
            return ImportResult(ok=False, mode=mode, error=error)
        assert frame is not None
        if not frame.get("ok"):
            return ImportResult(ok=False, mode=mode, error=_error(frame.get("error")),
                                seconds=float(frame.get("seconds") or 0))
        self._mode = mode
        described = frame.get("value") or {}
        functions = signatures_from_wire(described.get("functions") if isinstance(described, dict) else None)
        set_aside = set_aside_from_wire(frame.get("set_aside"))
        return ImportResult(ok=True, mode=mode, functions=functions, set_aside=set_aside,
                            seconds=float(frame.get("seconds") or 0))

    def _ensure_loaded(self) -> StudentError | None:
        """After the child died, start a new one, import as before and give the
        module the values ``set`` gave the old one."""
        if self._child is not None or self._mode is None:
            return None
        if not self._renewed:
            self.restarts += 1
        self._renewed = False
        result = self._import(self._mode)
        if not result.ok:
            return result.error
        if self._globals:
            self._exchange({"op": "setattr"}, self._globals, self.limits.call_seconds)
        return None

    def _call(self, function: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, spy: tuple[str, ...],
              timeout: float | None, on_event: EventHandler | None, with_globals: dict[str, Any],
              before: tuple[Call, ...]) -> CallResult:
        problem = self._ensure_loaded()
        if problem is not None:
            return CallResult(function, ok=False, error=problem)
        payload: dict[str, Any] = {"args": list(args), "kwargs": kwargs}
        if with_globals:
            payload["globals"] = with_globals
        if before:
            payload["before"] = calls_to_wire(before)
        frame, error, events = self._exchange(
            {"op": "call", "function": function, "spy": list(spy)}, payload,
            timeout or self.limits.call_seconds, on_event)
        if error is not None:
            return CallResult(function, ok=False, error=error, events=tuple(events))
        assert frame is not None
        seconds = float(frame.get("seconds") or 0)
        raw_steps = frame.get("before")
        steps: list[Any] = raw_steps if isinstance(raw_steps, list) else []
        first = tuple(None if isinstance(step, dict) and step.get("ok") else _error(
            step.get("error") if isinstance(step, dict) else None) for step in steps[:len(before)])
        recorded = frame.get("records")
        records = recorded if isinstance(recorded, dict) else {}
        if not frame.get("ok"):
            found = _error(frame.get("error"))
            return CallResult(function, ok=False, error=found, seconds=seconds, events=tuple(events), before=first,
                              records=records)
        return CallResult(function, ok=True, value=frame.get("value"), seconds=seconds, events=tuple(events),
                          before=first, records=records)

    def get(self, *names: str) -> dict[str, Any]:
        if self._ensure_loaded() is not None:
            return {}
        frame, error, _ = self._exchange({"op": "getattr", "names": list(names)}, None, self.limits.call_seconds)
        value = frame.get("value") if frame else None
        return value if error is None and isinstance(value, dict) else {}

    def set(self, **values: Any) -> None:
        self._globals.update(values)
        if self._ensure_loaded() is None:
            self._exchange({"op": "setattr"}, values, self.limits.call_seconds)

    @property
    def notes(self) -> list[str]:
        if self.restarts:
            return [f"the submission's process died and was restarted {self.restarts} time(s)"]
        return []


def _error(raw: Any) -> StudentError:
    if not isinstance(raw, dict):
        return StudentError("protocol", "the child reported an error the grader could not read")
    exc_type = str(raw.get("exc_type") or "Exception")[:100]
    line, column, end_column = (raw.get(key) for key in ("line", "column", "end_column"))
    return StudentError(
        kind="missing" if exc_type == "MissingFunction" else "exception",
        message=str(raw.get("message") or "")[:2000], exc_type=exc_type,
        line=line if isinstance(line, int) else None,
        source_line=str(raw["source_line"])[:300] if raw.get("source_line") else None,
        trace=str(raw.get("trace") or "")[:4000],
        function=str(raw["function"])[:100] if raw.get("function") else None,
        column=column if type(column) is int else None, end_column=end_column if type(end_column) is int else None,
    )
