"""The child side of the sandbox: imports a submission and calls its functions.

Run by the grader as ``python -I harness.py CONFIG_JSON`` in a fresh process.
It sets its own resource limits, installs an audit hook that keeps student
code away from the course's hidden files, the dataset cache (except the files
a check hands over), other processes and the network, then serves requests
read from one pipe and answers on another. Only plain values go back (see
``wire``); every comparison happens in the grader.

Standard library and numpy only, and nothing from the ``grader`` package by
import: its siblings are loaded by path so that the course folder never has to
be on the student's ``sys.path``.
"""

from __future__ import annotations

import builtins
import importlib.util
import inspect
import io
import json
import os
import resource
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any, Callable

_HERE = Path(__file__).resolve().parent


def _load_sibling(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", _HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _set_limits(config: dict[str, Any]) -> None:
    memory = config.get("memory_bytes")
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = config.get("cpu_seconds")
    if cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


_BLOCKED_EVENTS = {
    "subprocess.Popen": "starting other programs",
    "os.system": "starting other programs",
    "os.exec": "starting other programs",
    "os.posix_spawn": "starting other programs",
    "os.spawn": "starting other programs",
    "os.fork": "forking the process",
    "os.forkpty": "forking the process",
    "pty.spawn": "starting other programs",
    "socket.connect": "network access",
    "socket.bind": "network access",
    "socket.getaddrinfo": "network access",
    "os.kill": "signalling other processes",
    "os.killpg": "signalling other processes",
}


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WRITABLE_DEVICES = {"/dev/null"}
# Events that change or remove files; each names the path(s) it touches first.
_CHANGE_EVENTS = {"os.remove", "os.rmdir", "os.rename", "shutil.rmtree", "os.truncate", "os.chmod",
                  "os.chown", "os.link", "os.symlink", "os.utime", "os.chflags"}


def _install_audit_hook(deny: list[str], allow: set[str], workdir: str | None = None,
                        libraries: tuple[str, ...] = ()) -> None:
    """Refuse, for the rest of the process's life, what student code must not do:
    read the hidden course files, the dataset cache (but for the files handed
    over) or classmates' folder; write, delete or rename anything outside its
    own working folder; start processes, fork, use the network or signal.

    Audit hooks cannot be removed once added; the grader's own work in this
    process is done before the hook goes in or needs none of these events.
    The private working folder stays readable even when a denied folder holds
    it (a submission graded from /tmp denies /tmp, where the folder is made),
    and so do the library folders (stdlib, site-packages), which may sit inside
    a denied folder, e.g. a virtual environment inside the course checkout.
    """
    deny_roots = tuple(os.path.realpath(path) for path in deny)
    work = os.path.realpath(workdir) if workdir else None
    allowed = {os.path.realpath(path) for path in allow}
    # A library folder that holds a denied one (say /work on sys.path) unlocks nothing.
    readable = tuple(
        real for real in (os.path.realpath(path) for path in ((workdir,) if workdir else ()) + tuple(libraries))
        if not any(root == real or root.startswith(real + os.sep) for root in deny_roots)
    )

    def denied(real: str) -> bool:
        if any(real == root or real.startswith(root + os.sep) for root in readable):
            return False
        return any(real == root or real.startswith(root + os.sep) for root in deny_roots)

    def writable(real: str) -> bool:
        return real in _WRITABLE_DEVICES or (work is not None and (real == work or real.startswith(work + os.sep)))

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            path = args[0]
            try:
                real = os.path.realpath(os.fsdecode(path))
            except (TypeError, ValueError):
                return
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            if flags & _WRITE_FLAGS and not writable(real):
                raise PermissionError(f"the grader lets submissions write only in their working folder, "
                                      f"not {path!r}")
            if real in allowed:
                return
            if denied(real):
                raise PermissionError(f"the grader does not let submissions read {path!r}")
        elif event in _CHANGE_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
            targets = [args[0]] + ([args[1]] if event == "os.rename" and len(args) > 1 else [])
            for target in targets:
                if isinstance(target, (str, bytes, os.PathLike)) and not writable(
                        os.path.realpath(os.fsdecode(target))):
                    raise PermissionError(f"the grader lets submissions change files only in their working "
                                          f"folder, not {target!r} ({event})")
        elif event in ("os.listdir", "os.scandir") and args:
            target = args[0] if args[0] is not None else "."
            if isinstance(target, int):
                return
            real = os.path.realpath(os.fsdecode(target))
            if denied(real):
                raise PermissionError(f"the grader does not let submissions list {target!r}")
        elif event in _BLOCKED_EVENTS:
            raise PermissionError(f"the grader does not allow {_BLOCKED_EVENTS[event]} ({event})")

    sys.addaudithook(hook)


class Harness:
    def __init__(self, config: dict[str, Any], wire: types.ModuleType, safe_import: types.ModuleType) -> None:
        self.config = config
        self.wire = wire
        self.safe_import = safe_import
        self.requests = os.fdopen(config["request_fd"], "rb", buffering=1 << 16)
        self.responses = os.fdopen(config["response_fd"], "wb", buffering=1 << 16)
        self.path = Path(config["submission"])
        self.module: types.ModuleType | None = None

    # -- replies -----------------------------------------------------------
    def send(self, header: dict[str, Any], value: Any = None) -> None:
        self.wire.write_frame(self.responses, header, value)

    def error_info(self, exc: BaseException) -> dict[str, Any]:
        """The exception as plain data, with the submission's own frames."""
        frames = traceback.extract_tb(exc.__traceback__)
        mine = [frame for frame in frames if frame.filename == str(self.path)]
        line = mine[-1].lineno if mine else getattr(exc, "lineno", None)
        if isinstance(exc, SyntaxError) and exc.filename == str(self.path):
            line = exc.lineno
        try:
            message = str(exc)
        except BaseException:
            message = "<the exception's message could not be read>"
        trace = "".join(traceback.format_list(mine[-8:]))
        return {
            "exc_type": type(exc).__name__,
            "message": message[:2000],
            "line": line,
            "trace": trace[-4000:],
            "source_line": (mine[-1].line if mine else None),
            "function": (mine[-1].name if mine else None),
        }

    # -- requests ----------------------------------------------------------
    def serve(self) -> None:
        # Before any student code: tells the grader that the child itself works.
        self.send({"id": 0, "ready": True})
        while True:
            try:
                request = self.wire.read_frame(self.requests, allow_files=True)
            except EOFError:
                return
            op = request.get("op")
            handler = getattr(self, f"op_{op}", None)
            if handler is None:
                self.send({"id": request.get("id"), "ok": False, "error": {"exc_type": "GraderProtocol", "message": f"unknown op {op!r}"}})
                continue
            handler(request)
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except BaseException:
                    pass

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
            source = self.path.read_bytes()
            if mode == "plain":
                code = compile(source, str(self.path), "exec", dont_inherit=True)
                set_aside: list[dict[str, Any]] = []
            else:
                code, set_aside = self.safe_import.compile_definitions(source, str(self.path))
            module = types.ModuleType(name)
            module.__file__ = str(self.path)
            failed: list[tuple[int, int, str, str]] = []
            if mode != "plain":
                module.__dict__[self.safe_import.FAILED] = failed
            sys.modules[name] = module
            exec(code, module.__dict__)
            module.__dict__.pop(self.safe_import.FAILED, None)
            for line, end_line, exc_type, message in failed:
                set_aside.append({"line": line, "end_line": end_line,
                                  "what": f"a top-level statement that raised {exc_type}: {message}"})
            set_aside.sort(key=lambda part: part["line"])
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
            sys.modules.pop(name, None)
            self.send({"id": request["id"], "ok": False, "error": self.error_info(exc),
                       "seconds": time.perf_counter() - started})
            return
        self.module = module
        self.send(
            {"id": request["id"], "ok": True, "seconds": time.perf_counter() - started,
             "set_aside": set_aside},
            self.describe(module),
        )

    def describe(self, module: types.ModuleType) -> dict[str, Any]:
        """Names the module defines, with call signatures, for adaptation."""
        functions: dict[str, Any] = {}
        for key, value in list(vars(module).items()):
            if key.startswith("__") or not callable(value):
                continue
            if getattr(value, "__module__", None) != module.__name__:
                continue
            try:
                params = [
                    {"name": p.name, "kind": p.kind.name, "default": p.default is not p.empty,
                     "default_repr": (repr(p.default)[:80] if p.default is not p.empty else None)}
                    for p in inspect.signature(value).parameters.values()
                ]
            except (TypeError, ValueError):
                params = None
            functions[key] = params
        return {"functions": functions}

    def op_getattr(self, request: dict[str, Any]) -> None:
        names = request.get("names", [])
        values = {}
        for attr in names:
            if self.module is not None and attr in vars(self.module):
                values[attr] = vars(self.module)[attr]
        self.send({"id": request["id"], "ok": True}, values)

    def op_setattr(self, request: dict[str, Any]) -> None:
        assert self.module is not None
        for key, value in request["value"].items():
            setattr(self.module, key, _materialise(value, self.wire))
        self.send({"id": request["id"], "ok": True})

    def op_call(self, request: dict[str, Any]) -> None:
        module = self.module
        name = request["function"]
        payload = request["value"] or {}
        if module is None or not callable(vars(module).get(name)):
            self.send({"id": request["id"], "ok": False,
                       "error": {"exc_type": "MissingFunction", "message": f"{name} is not defined"}})
            return
        args = [_materialise(arg, self.wire) for arg in payload.get("args", [])]
        kwargs = {k: _materialise(v, self.wire) for k, v in payload.get("kwargs", {}).items()}
        spies = request.get("spy", [])
        originals = {spy: vars(module)[spy] for spy in spies if callable(vars(module).get(spy))}
        for spy, original in originals.items():
            setattr(module, spy, self.make_spy(request["id"], spy, original))
        self.seed()
        started = time.perf_counter()
        try:
            value = vars(module)[name](*args, **kwargs)
            outcome: dict[str, Any] = {"ok": True}
        except BaseException as exc:
            value = None
            outcome = {"ok": False, "error": self.error_info(exc)}
        finally:
            for spy, original in originals.items():
                setattr(module, spy, original)
        outcome.update(id=request["id"], seconds=time.perf_counter() - started)
        try:
            self.send(outcome, value)
        except Exception as exc:  # the value could not be encoded at all
            self.send({"id": request["id"], "ok": False, "error": self.error_info(exc)})

    def make_spy(self, request_id: int, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a module function so each call is reported to the grader live:
        its arguments (large arrays as shapes) and what it returned."""
        calls = [0]
        harness = self

        def spy(*args: Any, **kwargs: Any) -> Any:
            index = calls[0]
            calls[0] += 1
            summary = {"args": [_summary(a) for a in args], "kwargs": {k: _summary(v) for k, v in kwargs.items()},
                       "globals": _scalar_globals(harness.module)}
            harness.send({"id": request_id, "event": "spy_call", "function": name, "index": index}, summary)
            started = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            except BaseException as exc:
                harness.send({"id": request_id, "event": "spy_raise", "function": name, "index": index,
                              "error": harness.error_info(exc), "seconds": time.perf_counter() - started})
                raise
            harness.send({"id": request_id, "event": "spy_return", "function": name, "index": index,
                          "seconds": time.perf_counter() - started}, result)
            return result

        spy.__wrapped__ = original  # type: ignore[attr-defined]
        spy.__signature__ = _signature_or_none(original)  # type: ignore[attr-defined]
        return spy


def _signature_or_none(function: Callable[..., Any]) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _scalar_globals(module: types.ModuleType | None) -> dict[str, Any]:
    """The module's plain scalar settings at call time (e.g. a ``LEARNING_RATE``
    that a search sets before each ``train`` call): at most 64 of them."""
    found: dict[str, Any] = {}
    for key, value in list(vars(module).items()) if module is not None else ():
        if not key.startswith("_") and type(value) in (int, float, bool, str) and len(found) < 64:
            found[key] = value if type(value) is not str else value[:100]
    return found


def _summary(value: Any) -> Any:
    """Hyperparameters pass through; data arrays become a short description."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.size > 64:
        return {"shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, (list, tuple)) and len(value) > 64:
        return f"{type(value).__name__} of length {len(value)}"
    return value


def _materialise(value: Any, wire: types.ModuleType) -> Any:
    """Replace ``NpyFile`` references with read-only memory-mapped arrays."""
    import numpy as np

    if isinstance(value, wire.NpyFile):
        array = np.load(value.path, mmap_mode="r", allow_pickle=False)
        return array.T if value.transpose else array
    if isinstance(value, list):
        return [_materialise(item, wire) for item in value]
    if isinstance(value, tuple):
        return tuple(_materialise(item, wire) for item in value)
    if isinstance(value, dict):
        return {key: _materialise(item, wire) for key, item in value.items()}
    return value


class _HeadlessMatplotlib:
    """Import hook: make ``matplotlib.use(...)`` keep the non-interactive
    backend. Files pick "TkAgg" for their own screens; while grading, nothing
    is shown, and switching would fail the whole import for nothing."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "matplotlib":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            module.use = lambda *args, **kwargs: None  # type: ignore[attr-defined]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _restore_site_builtins() -> None:
    """The child runs without the site module (it is slow to start); give
    student code the ``exit``/``quit`` it would otherwise have."""
    import _sitebuiltins

    builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")  # type: ignore[attr-defined]
    builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")  # type: ignore[attr-defined]


def main() -> None:
    config = json.loads(sys.argv[1])
    _set_limits(config)
    sys.path[:] = [entry for entry in config.get("sys_path", []) if entry] or sys.path
    _restore_site_builtins()
    sys.meta_path.insert(0, _HeadlessMatplotlib())  # type: ignore[arg-type]
    wire = _load_sibling("wire")
    safe_import = _load_sibling("safe_import")
    import numpy  # noqa: F401  (imported before the hook: it reads its own files)

    for module_name in config.get("preload", []):
        try:
            __import__(module_name)
        except Exception:
            pass
    workdir = config["workdir"]
    os.chdir(workdir)
    sys.path[:] = [workdir] + [p for p in sys.path if p and Path(p).resolve() != _HERE]
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    sys.argv = [config["submission"]]
    sys.stdin = io.StringIO("")
    builtins.input = _no_input  # type: ignore[assignment]
    harness = Harness(config, wire, safe_import)
    _install_audit_hook(config.get("deny", []), set(config.get("allow", [])), workdir,
                        tuple(config.get("sys_path", [])))
    harness.serve()


def _no_input(prompt: object = "") -> str:
    raise EOFError("submissions cannot read from the keyboard while being graded")


if __name__ == "__main__":
    main()
