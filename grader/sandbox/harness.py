"""The child side of the sandbox: imports a submission and serves the grader's
requests (import, call, get, set) over a private pipe.

Run by the grader as ``python -S -s harness.py CONFIG_JSON`` in a fresh
process. It sets its limits and installs its guard (``guard``) and interpreter
patches (``patches``) before any student code runs, then answers each request
on another pipe. Only plain values go back (see ``wire``); every comparison
happens in the grader. A failure of the harness itself (not of student code)
is answered as ``internal``, so the grader reports its own bug instead of
blaming the submission.

Standard library and numpy only, and nothing from the ``grader`` package by
import: its siblings are loaded by path so that the course folder never has to
be on the student's ``sys.path``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


def _load_sibling(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", _HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Harness:
    def __init__(self, config: dict[str, Any], wire: types.ModuleType, safe_import: types.ModuleType,
                 introspect: types.ModuleType, patches: types.ModuleType,
                 identity: dict[str, Any] | None = None) -> None:
        self.config = config
        self.identity = identity or {}
        self.wire = wire
        self.safe_import = safe_import
        self.introspect = introspect
        self.patches = patches
        self.requests = os.fdopen(config["request_fd"], "rb", buffering=1 << 16)
        self.responses = os.fdopen(config["response_fd"], "wb", buffering=1 << 16)
        self.path = Path(config["submission"])
        self.module: types.ModuleType | None = None
        self.state: Any = None

    # -- replies -----------------------------------------------------------
    def send(self, header: dict[str, Any], value: Any = None) -> None:
        # The student's output first: once the grader has its answer it may end
        # the child at once, and output still buffered here would be lost.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        self.wire.write_frame(self.responses, header, value)

    def error_info(self, exc: BaseException) -> dict[str, Any]:
        """The exception as plain data, with the submission's own frames."""
        frames = traceback.extract_tb(exc.__traceback__)
        mine = [frame for frame in frames if frame.filename == str(self.path)]
        line = mine[-1].lineno if mine else getattr(exc, "lineno", None)
        try:
            message = str(exc)
        except BaseException:
            message = "<the exception's message could not be read>"
        trace = "".join(traceback.format_list(mine[-8:]))
        try:
            refused = _network_refusal(exc)
            if refused is not None:  # urllib, requests... wrap it: say what happened, and what to do instead
                message = (f"tried to download data ({type(exc).__name__}: {refused}); grading runs without "
                           f"network access, and the grader hands over the course's data instead: "
                           f"{self.patches.data_example()} (from any folder)")
        except Exception:  # a student's exception whose attributes raise: reported as it is
            refused = None
        return {
            "exc_type": "NetworkRefused" if refused is not None else type(exc).__name__,
            "message": message[:2000],
            "line": line if isinstance(line, int) else None,
            "trace": trace[-4000:],
            "source_line": (mine[-1].line if mine else None),
            "function": (mine[-1].name if mine else None),
            **self.introspect.syntax_error_fields(exc, str(self.path)),
        }

    # -- requests ----------------------------------------------------------
    def serve(self) -> None:
        # Before any student code: tells the grader that the child itself works.
        # With it, who the child is (its uid and namespaces), for the grader to
        # check against the isolation it expects.
        self.send({"id": 0, "ready": True, **self.identity})
        while True:
            try:
                request = self.wire.read_frame(self.requests, allow_files=True)
            except EOFError:
                return
            handler = getattr(self, f"op_{request.get('op')}", None)
            try:
                if handler is None:
                    raise ValueError(f"unknown request {request.get('op')!r}")
                handler(request)
            except Exception as exc:  # the harness's own failure, not the student's
                detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-3000:]
                self.send({"id": request.get("id"), "ok": False, "internal": detail})

    def seed(self) -> None:
        """Seed the global generators before each step, so unseeded student code
        gets the same numbers every time it is graded."""
        import random

        import numpy as np

        seed = int(self.config.get("seed", 0))
        random.seed(seed)
        np.random.seed(seed)

    def op_import(self, request: dict[str, Any]) -> None:
        mode = request.get("mode", "plain")
        self.seed()
        started = time.perf_counter()
        name = self.config["module_name"]
        try:
            module, set_aside = self.introspect.import_submission(str(self.path), name, mode, self.safe_import)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
            self.send({"id": request["id"], "ok": False, "error": self.error_info(exc),
                       "seconds": time.perf_counter() - started})
            return
        self.module = module
        self.state = self.introspect.ModuleState(module)
        self.send(
            {"id": request["id"], "ok": True, "seconds": time.perf_counter() - started, "set_aside": set_aside},
            {"functions": self.introspect.describe_functions(module)},
        )

    def op_getattr(self, request: dict[str, Any]) -> None:
        baseline = self.state.baseline if self.state is not None else {}
        values = {name: baseline[name] for name in request.get("names", []) if name in baseline}
        self.send({"id": request["id"], "ok": True}, values)

    def op_setattr(self, request: dict[str, Any]) -> None:
        if self.state is None:
            raise RuntimeError("setattr before a successful import")
        self.state.set({key: self.materialise(value) for key, value in request["value"].items()})
        self.send({"id": request["id"], "ok": True})

    def materialise(self, value: Any) -> Any:
        return self.introspect.materialise(value, self.wire.NpyFile)

    def op_call(self, request: dict[str, Any]) -> None:
        payload = request["value"] or {}
        if self.module is None:
            self.send({"id": request["id"], "ok": False,
                       "error": {"exc_type": "MissingFunction", "message": f"{request['function']} is not defined"}})
            return
        call = {
            "function": request["function"], "spy": request.get("spy", []),
            "args": [self.materialise(arg) for arg in payload.get("args", [])],
            "kwargs": {k: self.materialise(v) for k, v in payload.get("kwargs", {}).items()},
            "globals": {k: self.materialise(v) for k, v in (payload.get("globals") or {}).items()},
            "before": [{"function": step["function"], "args": [self.materialise(a) for a in step.get("args", [])],
                        "kwargs": {k: self.materialise(v) for k, v in step.get("kwargs", {}).items()}}
                       for step in payload.get("before") or []],
        }

        def report(event: str, function: str, index: int, fields: dict[str, Any], value: Any) -> None:
            self.send({"id": request["id"], "event": event, "function": function, "index": index, **fields}, value)

        outcome, value = self.introspect.run_call(self.module, self.state, call, report, self.error_info, self.seed,
                                                  self.patches.records)
        outcome["id"] = request["id"]
        try:
            self.send(outcome, value)
        except Exception as exc:  # the value could not be encoded at all
            self.send({"id": request["id"], "ok": False, "error": self.error_info(exc)})


def _network_refusal(exc: BaseException) -> BaseException | None:
    """The guard's refusal of a connection, if ``exc`` is one or wraps one
    (as a cause, a context or urllib's ``reason``)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo and len(seen) < 50:
        found = todo.pop()
        if not isinstance(found, BaseException) or id(found) in seen:
            continue
        seen.add(id(found))
        if type(found).__name__ == "NetworkRefused":
            return found
        todo += [found.__cause__, found.__context__, getattr(found, "reason", None), *found.args[:2]]
    return None


class Prepared:
    """What every child needs before its submission: the harness's siblings,
    numpy and the assignment's preloaded modules, imported once. A zygote
    prepares once and forks a child per submission (``zygote``)."""

    def __init__(self, config: dict[str, Any]) -> None:
        sys.path[:] = [entry for entry in config.get("sys_path", []) if entry] or sys.path
        self.guard = _load_sibling("guard")
        self.patches = _load_sibling("patches")
        self.wire = _load_sibling("wire")
        self.safe_import = _load_sibling("safe_import")
        self.introspect = _load_sibling("introspect")
        import numpy  # noqa: F401  (imported before the hook: it reads its own files)
        import numpy.random  # noqa: F401  (``seed`` needs it: once in a zygote, not again in each child)
        import warnings

        warnings.simplefilter("ignore", DeprecationWarning)
        for module_name in config.get("preload", []):
            try:
                __import__(module_name)
            except Exception:
                pass


NAMESPACES = ("pid", "net", "mnt", "ipc", "uts")


def who_am_i() -> dict[str, Any]:
    """This process's uid and namespaces (``pid:[4026531836]``; None where
    there is no /proc), as the kernel says once every limit is set."""
    found: dict[str, str | None] = {}
    for name in NAMESPACES:
        try:
            found[name] = os.readlink(f"/proc/self/ns/{name}")
        except OSError:
            found[name] = None
    return {"uid": os.getuid() if hasattr(os, "getuid") else None, "namespaces": found}


def start(config: dict[str, Any], prepared: Prepared, seccomp: bytes | None = None) -> None:
    """Become the sandboxed child of one submission and serve the grader:
    drop to the child's uid, filter system calls (when bubblewrap did not),
    set the limits, patch the interpreter, install the audit hook."""
    guard = prepared.guard
    if config.get("drop_to"):
        guard.drop_privileges(*config["drop_to"])
    if seccomp is not None:
        guard.filter_syscalls(seccomp)
    guard.set_limits(config)
    identity = who_am_i()
    prepared.patches.install(config["submission"], config.get("allow", []))
    workdir = config["workdir"]
    os.chdir(workdir)
    sys.path[:] = [workdir] + [p for p in sys.path if p and Path(p).resolve() != _HERE]
    harness = Harness(config, prepared.wire, prepared.safe_import, prepared.introspect, prepared.patches, identity)
    guard.install_audit_hook(config.get("deny", []), set(config.get("allow", [])), workdir,
                             tuple(config.get("sys_path", [])))
    harness.serve()


def main() -> None:
    config = json.loads(sys.argv[1])
    start(config, Prepared(config))


if __name__ == "__main__":
    main()
