"""Children forked from a warm zygote instead of started from nothing.

Starting a sandboxed child costs a bubblewrap launch, an interpreter and
numpy's import: most of a small homework's grade. A batch worker instead
keeps a ``Zygote`` (``zygote.py``) per view of the file system: one
namespaced interpreter with numpy imported, in a cgroup of its own, that
forks a child per submission. Each child still gets its own uid, session,
IPC namespace, working folder, seccomp filter, limits and audit hook, and
everything of its uid is killed, and its IPC objects removed, when it ends,
before the next child is forked; what children of one zygote share is the
other namespaces (one at a time: a worker grades one submission at a time).

Only as root with namespaces (a uid per child is what keeps children
apart); ``ZygotePool.for_view`` returns None otherwise and the session
starts its child the ordinary way.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from grader.errors import SandboxError
from grader.sandbox import bubblewrap
from grader.sandbox import ownership
from grader.sandbox import seccomp
from grader.sandbox.levels import Available

ZYGOTE = Path(__file__).resolve().parent / "zygote.py"
_START_SECONDS = 60.0
_ANSWER_SECONDS = 10.0
_MAX_MESSAGE = 1 << 20
MEMORY_SLACK = 512 * 1024 * 1024
"""The zygote's own memory, on top of one child's limit, in its cgroup."""


@dataclass(frozen=True)
class ViewKey:
    """What a zygote's sandbox is made of; children of one zygote share it."""

    readable: tuple[str, ...]
    data: tuple[str, ...]
    sys_path: tuple[str, ...]
    preload: tuple[str, ...]
    memory_bytes: int
    processes: int
    env: tuple[tuple[str, str], ...]
    work_bytes: int
    """The size of the zygote's tmpfs holding its children's working folders."""


class Forked:
    """A child of a zygote, seen like a ``subprocess.Popen``: wait, kill, and
    an exact wait status (negative for a death by signal)."""

    encodes_signals = False
    """Its return code is exact (bubblewrap's 128 + N never applies)."""

    def __init__(self, zygote: Zygote, number: int, pid: int) -> None:
        self.zygote = zygote
        self.number = number
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def ended(self, status: int) -> None:
        self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.waitstatus_to_exitcode(status)
        self._ended.set()

    def wait(self, timeout: float | None = None) -> int | None:
        if not self._ended.wait(timeout):
            if not self.zygote.alive():
                self.returncode = -signal.SIGKILL
                return self.returncode
            raise subprocess.TimeoutExpired("zygote child", timeout or 0)
        return self.returncode

    def kill_tree(self) -> None:
        if not self._ended.is_set():
            self.zygote.kill(self.number)


class Zygote:
    """One zygote process and its control channel (grader side)."""

    def __init__(self, available: Available, key: ViewKey) -> None:
        self.key = key
        self.root = ownership.private_folder("zygote")
        os.chmod(self.root, 0o711)  # children reach their own folders, list nobody's
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._lock = threading.Lock()
        self._answers: dict[int, Any] = {}
        self._answered = threading.Condition()
        self._children: dict[int, Forked] = {}
        self._numbers = itertools.count(1)
        self._closed = False
        program = seccomp.seccomp_program()
        config = {"control_fd": theirs.fileno(), "sys_path": list(key.sys_path), "preload": list(key.preload),
                  "seccomp": program.hex() if program else None, "root": self.root}
        command = [sys.executable, "-S", "-s"] + (["-P"] if sys.version_info >= (3, 11) else [])
        command = [*command, str(ZYGOTE), json.dumps(config)]
        # The children's folders live in a tmpfs of the zygote's own: what they
        # write is capped there (and paid for by the cgroup), never on the host.
        view = bubblewrap.View(key.readable, key.data, self.root, work_bytes=key.work_bytes, work_mode=0o711)
        command = bubblewrap.bwrap_command(available, view, command, seccomp_fd=None)
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, pass_fds=(theirs.fileno(),), cwd=self.root,
                                            env=dict(key.env), start_new_session=True)
        except OSError as exc:
            self._cleanup()
            raise SandboxError(f"could not start the zygote: {exc}") from exc
        finally:
            theirs.close()
        self._control.settimeout(_START_SECONDS)
        try:
            ready = json.loads(self._control.recv(_MAX_MESSAGE) or b"{}")
        except (OSError, ValueError):
            ready = {}
        if not ready.get("ready"):
            self.close()
            raise SandboxError("the zygote failed to start: " + self._stderr())
        self._control.settimeout(None)
        self.cgroup = ownership.Cgroup.create(f"{os.getpid()}-zygote-{id(self) % 100_000}",
                                                   key.memory_bytes + MEMORY_SLACK, key.processes)
        self.capped = bool(self.cgroup and self.cgroup.add(self.process.pid))
        threading.Thread(target=self._read, daemon=True).start()

    def _stderr(self) -> str:
        try:
            self.process.wait(timeout=2)
            assert self.process.stderr is not None
            return self.process.stderr.read().decode(errors="replace").strip()[-2000:] or "it printed nothing"
        except (subprocess.TimeoutExpired, OSError, ValueError):
            return "it printed nothing"

    def _read(self) -> None:
        while True:
            try:
                data = self._control.recv(_MAX_MESSAGE)
            except OSError:
                data = b""
            if not data:  # the zygote is gone: so are its children
                self._closed = True
                for orphan in list(self._children.values()):
                    orphan.ended(signal.SIGKILL)
                with self._answered:
                    self._answered.notify_all()
                return
            message = json.loads(data)
            if "exited" in message:
                child = self._children.pop(int(message["exited"]), None)
                if child is not None:
                    child.ended(int(message["status"]))
            else:
                with self._answered:
                    self._answers[int(message.get("spawned", message.get("failed", 0)))] = message
                    self._answered.notify_all()

    def alive(self) -> bool:
        return not self._closed and self.process.poll() is None

    def new_workdir(self) -> str:
        """A name for a child's working folder (the zygote makes it, in its tmpfs)."""
        return os.path.join(self.root, f"run-{next(self._numbers)}")

    def spawn(self, config: dict[str, Any], env: dict[str, str], fds: tuple[int, int],
              submission: Path) -> tuple[Forked, BinaryIO, BinaryIO]:
        """Fork a child for ``config`` (the harness's), with the request and
        answer pipe ends ``fds``; the zygote makes its working folder (unless
        a restart finds it) with a copy of ``submission``. Returns the child
        and its stdout and stderr."""
        number = next(self._numbers)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        source = os.open(submission, os.O_RDONLY)
        message = json.dumps({"op": "spawn", "id": number, "config": dict(config, env=env)}).encode()
        try:
            with self._lock:
                socket.send_fds(self._control, [message], [*fds, out_w, err_w, source])
        except OSError as exc:
            for fd in (out_r, err_r):
                os.close(fd)
            self._closed = True
            raise SandboxError(f"the zygote is gone: {exc}") from exc
        finally:
            os.close(out_w)
            os.close(err_w)
            os.close(source)
        deadline = time.monotonic() + _ANSWER_SECONDS
        with self._answered:
            while number not in self._answers and self.alive() and time.monotonic() < deadline:
                self._answered.wait(0.5)
            answer = self._answers.pop(number, None)
        if not answer or "spawned" not in answer:
            os.close(out_r)
            os.close(err_r)
            why = answer.get("error") if answer else "no answer"
            raise SandboxError(f"the zygote could not fork a child: {why}")
        child = Forked(self, number, int(answer["pid"]))
        self._children[number] = child
        return child, os.fdopen(out_r, "rb"), os.fdopen(err_r, "rb")

    def release(self, workdir: str) -> None:
        """Remove a child's working folder (its session is over)."""
        try:
            with self._lock:
                self._control.send(json.dumps({"op": "release", "workdir": workdir}).encode())
        except OSError:
            pass  # the zygote is gone, and its tmpfs with it

    def kill(self, number: int) -> None:
        try:
            with self._lock:
                self._control.send(json.dumps({"op": "kill", "id": number}).encode())
        except OSError:
            self.close()

    def close(self) -> None:
        self._closed = True
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - unkillable
            pass
        self._control.close()
        if getattr(self, "cgroup", None) is not None:
            self.cgroup.remove()  # type: ignore[union-attr]
        self._cleanup()

    def _cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class ZygotePool:
    """The zygotes of one grading process, one per view, started on demand."""

    def __init__(self) -> None:
        self._zygotes: dict[ViewKey, Zygote] = {}
        self._lock = threading.Lock()

    def for_view(self, available: Available, key: ViewKey) -> Zygote | None:
        """A running zygote for ``key`` (None where zygotes do not apply:
        no namespaces, or not root so no uid per child)."""
        if available.level != "namespaces" or not available.root:
            return None
        with self._lock:
            zygote = self._zygotes.get(key)
            if zygote is not None and not zygote.alive():
                zygote.close()
                zygote = None
            if zygote is None:
                zygote = self._zygotes[key] = Zygote(available, key)
            return zygote

    def close(self) -> None:
        with self._lock:
            for zygote in self._zygotes.values():
                zygote.close()
            self._zygotes.clear()
