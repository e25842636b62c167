"""The real sandbox: student code in a fresh child interpreter.

One child per submission, restarted only if student code kills it. The child
gets its own session and process group (a timeout kills the whole group), a
scrubbed environment, a private working folder holding a copy of the
submission, memory and CPU limits it sets on itself before any student code
runs, and two private pipes for requests and answers. Student output goes to
stdout/stderr pipes that the grader drains into capped buffers, so nothing the
student prints can reach the answer channel.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable

import numpy as np
from filelock import FileLock, Timeout

from grader import paths
from grader.errors import HarnessError, SandboxError
from grader.sandbox import forking
from grader.sandbox import isolation as isolation_mode
from grader.sandbox import ownership
from grader.sandbox import wire
from grader.sandbox.session import (
    Call, CallResult, Event, EventHandler, ImportMode, ImportResult, Limits, StudentError, StudentSession,
    calls_to_wire, set_aside_from_wire, signatures_from_wire,
)

HARNESS = Path(__file__).resolve().parent / "harness.py"
_PER_CHILD_ENV = ("HOME", "TMPDIR", "MPLCONFIGDIR")
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
_PIPE_SAFE_BYTES = 16 * 1024  # well under any platform's pipe buffer
_START_SECONDS = 60.0
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
               "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "SYSTEMROOT")


class _Capture:
    """Drain one pipe on a thread, keeping at most ``limit`` bytes."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: BinaryIO) -> None:
        with stream:
            while chunk := stream.read1(1 << 16):  # type: ignore[attr-defined]
                self.total += len(chunk)
                room = self.limit - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]

    def finish(self) -> None:
        """Wait for the pipe to close (call once the process has ended)."""
        self._thread.join(timeout=2)

    def text(self) -> str:
        body = self.kept.decode("utf-8", errors="replace")
        if self.total > len(self.kept):
            body += f"\n[... {self.total - len(self.kept):,} more bytes of output not kept]"
        return body


class _Child:
    """One running child process and its channels."""

    def __init__(self, config: dict[str, Any], env: dict[str, str], limits: Limits,
                 confine: Callable[[list[str]], tuple[list[str], int | None]] | None = None,
                 zygote: forking.Zygote | None = None, submission: Path | None = None) -> None:
        request_r, self._request_w = os.pipe()
        self._response_r, response_w = os.pipe()
        config = dict(config, request_fd=request_r, response_fd=response_w)
        self.process: subprocess.Popen[bytes] | forking.Forked
        self.namespaced = confine is not None
        """Started by bubblewrap, which reports a death by signal N as exit status 128 + N."""
        if zygote is not None:
            try:
                assert submission is not None
                self.process, stdout, stderr = zygote.spawn(config, env, (request_r, response_w), submission)
            finally:
                os.close(request_r)
                os.close(response_w)
        else:
            stdout, stderr = self._exec(config, env, confine, request_r, response_w)
        self.stdout = _Capture(stdout, limits.output_bytes)
        self.stderr = _Capture(stderr, limits.output_bytes)
        self.frames: queue.Queue[dict[str, Any] | BaseException] = queue.Queue()
        self._left = {"answer": ANSWER_BYTES, "events": EVENT_BYTES}
        self._cost = 0
        self.refusing = "answer"
        """Which budget the last frame was measured against."""
        self._writer = os.fdopen(self._request_w, "wb")
        threading.Thread(target=self._read_frames, daemon=True).start()

    def _exec(self, config: dict[str, Any], env: dict[str, str],
              confine: Callable[[list[str]], tuple[list[str], int | None]] | None,
              request_r: int, response_w: int) -> tuple[BinaryIO, BinaryIO]:
        """Start a fresh interpreter (under bubblewrap when ``confine``)."""
        # -S: no site module. Its .pth processing costs more than numpy's import,
        # and the harness sets sys.path itself from the grader's own.
        command = [sys.executable, "-S", "-s"] + (["-P"] if sys.version_info >= (3, 11) else [])
        command = [*command, str(HARNESS), json.dumps(config)]
        extra_fd = None
        if confine is not None:
            command, extra_fd = confine(command)
        try:
            self.process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                pass_fds=(request_r, response_w) + ((extra_fd,) if extra_fd is not None else ()),
                cwd=config["workdir"], env=env, start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"could not start the child interpreter: {exc}") from exc
        finally:
            os.close(request_r)
            os.close(response_w)
            if extra_fd is not None:
                os.close(extra_fd)
        return self.process.stdout, self.process.stderr  # type: ignore[return-value]

    def _read_frames(self) -> None:
        with os.fdopen(self._response_r, "rb") as stream:
            while True:
                try:
                    frame = wire.read_frame(stream, budget=self._budget, spent=self._spend)
                except BaseException as exc:  # EOF or a malformed frame ends the channel
                    self.frames.put(exc)
                    return
                if "event" in frame:
                    self._left["events"] -= self._cost
                self.frames.put(frame)

    def _budget(self, header: dict[str, Any] | None) -> int:
        """What the frame with this header (None: not read yet) may still cost
        for the request being served: call reports (events) share a small
        budget, the answer a large one; both are reset when the next request
        goes out."""
        self.refusing = "events" if header and "event" in header else "answer"
        return min(self._left["answer"], self._left["events"]) if self.refusing == "events" else self._left["answer"]

    def _spend(self, cost: int) -> None:
        self._cost = cost
        self._left["answer"] -= cost

    def send(self, header: dict[str, Any], value: Any) -> None:
        """Write a request without ever blocking the grader on a stuck child.

        Requests go out only after the previous answer came back, so the pipe
        is empty: one that fits in the pipe's buffer cannot block. Larger ones
        are written from a thread."""
        frame = wire.encode_frame(header, value)
        self._left = {"answer": ANSWER_BYTES, "events": EVENT_BYTES}

        def write() -> None:
            try:
                self._writer.write(frame)
                self._writer.flush()
            except (BrokenPipeError, OSError, ValueError):
                pass  # the child is gone; the reader reports it

        if len(frame) <= _PIPE_SAFE_BYTES:
            write()
        else:
            threading.Thread(target=write, daemon=True).start()

    def kill(self) -> None:
        if isinstance(self.process, forking.Forked):
            self.process.kill_tree()
        else:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a zombie we cannot reap
            pass
        try:
            self._writer.close()
        except OSError:
            pass
        self.stdout.finish()
        self.stderr.finish()

    def exit_description(self) -> StudentError:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        # bubblewrap passes a death by signal N on as exit status 128 + N.
        number = -code if code is not None and code < 0 else \
            code - 128 if self.namespaced and code is not None and code - 128 in _SIGNALS else None
        if number is not None:
            signame = signal.Signals(number).name if number in _SIGNALS else str(number)
            if number == signal.SIGXCPU:
                return StudentError("killed", "used more CPU time than the limit allows and was stopped")
            if number == signal.SIGSEGV:
                return StudentError("killed", "crashed the Python interpreter (segmentation fault)")
            return StudentError("killed", f"the process was killed by signal {signame}")
        return StudentError(
            "exit",
            f"the process exited with code {code} while the grader was waiting for an answer "
            "(sys.exit(), exit() or os._exit() in submitted code ends the grading run: remove it)",
        )


_SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGXCPU, signal.SIGABRT, signal.SIGBUS, signal.SIGXFSZ,
            signal.SIGTERM, signal.SIGILL, signal.SIGFPE)
_SESSIONS = itertools.count(1)
"""Numbers this process's sessions, for their children's distinct uids."""


class SubprocessSession(StudentSession):
    def __init__(self, submission: Path, *, module_name: str, limits: Limits,
                 allow: tuple[Path, ...] = (), deny: tuple[Path, ...] = (),
                 preload: tuple[str, ...] = (), isolation: isolation_mode.Mode = "auto",
                 zygotes: forking.ZygotePool | None = None) -> None:
        super().__init__()
        self._zygotes = zygotes
        self.mode = isolation
        self.available = isolation_mode.choose(isolation)
        self._uid = isolation_mode.child_uid(next(_SESSIONS)) if self.available.root else None
        self._cgroup: ownership.Cgroup | None = None
        self.capped = False
        """The child's process tree ran in a cgroup capping its memory and processes."""
        self.submission = Path(submission)
        self.module_name = module_name
        self.limits = limits
        self.allow = tuple(str(Path(p).resolve()) for p in allow)
        self.deny = tuple(str(Path(p).resolve()) for p in deny) + (str(self.submission.resolve().parent),)
        self.preload = preload
        self._child: _Child | None = None
        self._workdir: str | None = None
        self._forked_from: forking.Zygote | None = None
        """The zygote whose tmpfs holds the working folder, when the child is forked."""
        self._mode: ImportMode | None = None
        self._globals: dict[str, Any] = {}
        """What ``set`` gave the module: replayed into a restarted child."""
        self._next_id = 0
        self._deadline = time.monotonic() + limits.wall_seconds
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self.restarts = 0
        self._renewed = False
        """The next start is ``fresh()``'s, not a restart after a death."""

    # -- process management -------------------------------------------------
    @property
    def isolation(self) -> isolation_mode.Level:
        return self.available.level

    @property
    def isolation_detail(self) -> str:
        capped = "; memory and processes capped by a cgroup" if self.capped else ""
        return self.available.detail + capped

    def _readable(self, config: dict[str, Any]) -> tuple[str, ...]:
        """What the child may read besides the system: runtime, libraries, harness."""
        return (sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent), str(HARNESS.parent),
                *config["sys_path"]) + ((config["mplconfig"],) if config.get("mplconfig") else ())

    def _confine(self, config: dict[str, Any]) -> Callable[[list[str]], tuple[list[str], int | None]] | None:
        """How to wrap the child's command in namespaces (None: no namespaces here)."""
        if self.available.level != "namespaces":
            return None
        view = isolation_mode.View(self._readable(config), self.allow, config["workdir"], (config["submission"],),
                                   work_bytes(self.limits))

        def confine(command: list[str]) -> tuple[list[str], int | None]:
            fd = isolation_mode.seccomp_fd()
            return isolation_mode.bwrap_command(self.available, view, command, seccomp_fd=fd), fd

        return confine

    def _zygote(self, env: dict[str, str]) -> forking.Zygote | None:
        """The warm zygote to fork this session's child from, if this session
        was given a pool and the machine allows one."""
        if self._zygotes is None:
            return None
        sys_path, mplconfig = _library_path(self.deny), matplotlib_config()
        readable = self._readable({"sys_path": sys_path, "mplconfig": mplconfig})
        shared = tuple(sorted((key, value) for key, value in env.items() if key not in _PER_CHILD_ENV))
        key = forking.ViewKey(readable, self.allow, tuple(sys_path), self.preload,
                              self.limits.memory_mb * 1024 * 1024, guard_processes(), shared, work_bytes(self.limits))
        return self._zygotes.for_view(self.available, key)

    def _start(self) -> _Child:
        env = {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}
        env.setdefault("PATH", "/usr/bin:/bin")
        env.update(MPLBACKEND="Agg", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8",
                   PYTHONWARNINGS="ignore::DeprecationWarning")
        zygote = self._forked_from if self._workdir is not None else self._zygote(env)
        if zygote is not None and not zygote.alive():
            zygote = None  # a restart after its zygote died: a child of its own, in a folder of its own
            self._workdir = self._forked_from = None
        if self._workdir is None and zygote is not None:
            self._workdir = zygote.new_workdir()  # made inside the zygote's tmpfs, by the zygote
            self._forked_from = zygote
        elif self._workdir is None:
            self._workdir = ownership.private_folder("run")
            copy = Path(self._workdir) / f"{self.module_name}.py"
            shutil.copyfile(self.submission, copy)
            if self._uid is not None:  # the child's own uid owns its folder, and nothing else
                os.chown(self._workdir, self._uid, self._uid)
                os.chown(copy, self._uid, self._uid)
        workdir = self._workdir
        mplconfig = matplotlib_config()
        env.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=mplconfig or workdir)
        config = {
            "submission": str(Path(workdir) / f"{self.module_name}.py"),
            "module_name": self.module_name,
            "workdir": workdir,
            "memory_bytes": self.limits.memory_mb * 1024 * 1024,
            "cpu_seconds": int(self.limits.wall_seconds * 2 + 10),
            "deny": list(self.deny),
            "allow": list(self.allow),
            "preload": list(self.preload),
            "sys_path": _library_path(self.deny),
            "mplconfig": mplconfig,
            "drop_to": [self._uid, self._uid] if self._uid is not None else None,
        }
        child = _Child(config, env, self.limits, None if zygote else self._confine(config), zygote, self.submission)
        try:
            ready = child.frames.get(timeout=_START_SECONDS)
        except queue.Empty:
            ready = None
        if not isinstance(ready, dict) or not ready.get("ready"):
            child.kill()
            if self.available.level == "namespaces" and zygote is None:
                # The namespaces this machine gave before may be gone: probe again
                # (strict mode raises if they are), and start without them.
                isolation_mode.forget()
                found = isolation_mode.choose(self.mode)
                if found.level != "namespaces":
                    self.available = found
                    self._uid = None
                    return self._start()
            raise SandboxError("the grader's child process failed to start (no student code had run yet): "
                               + (child.stderr.text().strip()[-2000:] or "it printed nothing"))
        if zygote is not None:
            self.capped = zygote.capped
        elif self.available.root:
            self._cap(child)
        self._child = child
        return child

    def _cap(self, child: _Child) -> None:
        """Put the child's process tree in a cgroup of its own, where possible."""
        if self._cgroup is None:
            self._cgroup = ownership.Cgroup.create(f"{os.getpid()}-{self._uid or 0}-{next(_SESSIONS)}",
                                                        self.limits.memory_mb * 1024 * 1024,
                                                        guard_processes())
        if self._cgroup is not None and self._cgroup.add(child.process.pid):
            self.capped = True

    def _retire(self) -> None:
        """Stop the child and keep what it printed."""
        if self._child is not None:
            self._child.kill()
            self._stdout.append(self._child.stdout.text())
            self._stderr.append(self._child.stderr.text())
            self._child = None

    def fresh(self) -> None:
        self._retire()
        if self._workdir is not None and self._forked_from is not None:
            self._forked_from.release(self._workdir)
        elif self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = self._forked_from = None
        self._renewed = True

    def grant(self, seconds: float) -> None:
        self._deadline = max(self._deadline, time.monotonic() + seconds)

    def close(self) -> None:
        # The harness flushes the student's output before every answer, so an
        # idle child can be killed at once; waiting for its interpreter to shut
        # down would only add to every grade.
        self._retire()
        if self.available.level == "uid" and self._uid is not None:  # no PID namespace ends the rest
            isolation_mode.kill_uid(self._uid)
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._workdir is not None and self._forked_from is not None:
            self._forked_from.release(self._workdir)
        elif self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = self._forked_from = None

    # -- requests --------------------------------------------------------------
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
    def stdout(self) -> str:
        live = [self._child.stdout.text()] if self._child else []
        return "".join(self._stdout + live)

    @property
    def stderr(self) -> str:
        live = [self._child.stderr.text()] if self._child else []
        return "".join(self._stderr + live)

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


def guard_processes() -> int:
    """The child's process cap: the guard's per-uid limit, read from its file
    (the guard is loaded by path in the child, never imported here)."""
    for line in (HARNESS.parent / "guard.py").read_text().splitlines():
        if line.startswith("PROCESSES = "):
            return int(line.split("=")[1].split("#")[0])
    return 128


def matplotlib_config() -> str | None:
    """A matplotlib config folder whose font list the grader built once, so a
    child importing matplotlib does not scan every font on the machine again
    (0.4 s a child). Children only read it: their writes stay in their own
    folder. None if matplotlib is not installed or the cache cannot be made."""
    folder = paths.tool_cache_dir() / "matplotlib"
    if any(folder.glob("fontlist-*.json")):
        return str(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder) + ".lock", timeout=120):
            if not any(folder.glob("fontlist-*.json")):
                subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], timeout=120, check=True,
                               env={**os.environ, "MPLCONFIGDIR": str(folder), "MPLBACKEND": "Agg"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError, Timeout):
        return None
    return str(folder) if any(folder.glob("fontlist-*.json")) else None


def library_roots() -> tuple[Path, ...]:
    """Where this interpreter's libraries live: its prefixes (the runtime and
    the virtual environment) and its site-packages folders."""
    import site

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    try:
        roots.update(site.getsitepackages())
    except AttributeError:  # an old virtualenv's site module
        pass
    user = site.getusersitepackages() if hasattr(site, "getusersitepackages") else None
    if isinstance(user, str):
        roots.add(user)
    return tuple(Path(root).resolve() for root in sorted(roots) if root)


def _library_path(deny: tuple[str, ...] = (), roots: tuple[Path, ...] | None = None,
                  startup: Path | None = None) -> list[str]:
    """The grader's library folders (stdlib, site-packages, what .pth files
    add) for the child, and nothing else of its sys.path: not the folder the
    interpreter started from (``python -m`` puts the current folder first, and
    the grader may be run from the course or the submissions' folder), no
    folder that is, holds or lies in a denied one (the course, the checkout,
    the dataset cache, the submissions' folder), no import hooks. A virtual
    environment inside the checkout is fine: its site-packages lies in a
    library root."""
    checkout = paths.checkout_dir()
    denied = [Path(path).resolve() for path in (*deny, *((str(checkout),) if checkout else ()))]
    usable = [root for root in (roots if roots is not None else library_roots())
              if not any(root == d or root in d.parents for d in denied)]
    first = startup if startup is not None else _startup_folder()
    keep = []
    for entry in sys.path:
        if not entry or not Path(entry).is_absolute() or not Path(entry).is_dir():
            continue
        resolved = Path(entry).resolve()
        library = any(resolved == root or root in resolved.parents for root in usable)
        if resolved == first and not library:
            continue
        if any(resolved == d or resolved in d.parents for d in denied):
            continue
        if any(d in resolved.parents for d in denied) and not library:
            continue
        keep.append(str(resolved))
    return list(dict.fromkeys(keep))


def _startup_folder() -> Path | None:
    """The folder Python put first on sys.path at start (the current folder
    for ``-m``, the script's folder for a script), if it is still there."""
    if not sys.path or not sys.path[0]:
        return None
    first = Path(sys.path[0]).resolve()
    here = Path.cwd().resolve()
    script = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] not in ("", "-c", "-m") else None
    return first if first in (here, script) else None


def work_bytes(limits: Limits) -> int:
    """The size of a child's working folder: WORK_BYTES, or less under a small memory limit."""
    return min(WORK_BYTES, limits.memory_mb * 1024 * 1024 // 2)
