"""The resident server (``python -m grader.server.serve SOCKET``) and its standbys.

The server imports the grader once, then forks one standby at a time. A
standby starts a warm zygote for the view of the last ``grade submit``,
accepts one command, runs it as the ``grade`` entry point would, and exits;
the server then forks the next one from its clean image, so no command sees
what an earlier one left in memory. The server ends when a standby has
waited ``GRADER_SERVER_IDLE`` seconds for nothing, on SIGTERM (``grade server
stop``), or when standbys keep failing.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from grader import server

SERVED, IDLE, BROKEN = 0, 3, 4
"""A standby's exit codes: it ran a command (or refused one), it waited in
vain, it failed before it could take one."""
_BROKEN_IN_A_ROW = 3
BUSY_DELAY_SECONDS = 10.0
"""How long the standby that replaces one that took a command waits for that
command to end before it starts its own zygote anyway (a command that comes
sooner is served without a zygote: its child starts the ordinary way)."""
_LOG_BYTES = 1 << 20


def info_path(socket_path: str) -> str:
    """The server's pid file beside its socket (JSON: pid, started, idle seconds)."""
    return socket_path[: -len(".sock")] + ".json"


def _warm() -> None:
    """Import what a ``grade submit`` imports, so that no standby has to."""
    import numpy.random  # noqa: F401  (the grader draws its random instances with it)

    import grader.cli  # noqa: F401
    import grader.cli.submit  # noqa: F401
    from grader.sandbox import isolation

    isolation.probe()


def main(path: str) -> int:
    lock = os.open(path[: -len(".sock")] + ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another server of this build is starting or serving
    _trim_log(path)
    _warm()
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(16)
    bound = os.stat(path).st_ino
    info = {"pid": os.getpid(), "socket": path, "started": time.time(), "idle_seconds": server.idle_seconds()}
    with open(info_path(path), "w", encoding="utf-8") as stream:
        json.dump(info, stream)
    standbys: dict[int, _Forked] = {}

    def stop(received: int, frame: object) -> None:
        for pid in standbys:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        _keep_one_waiting(listener, standbys)
    finally:
        try:
            if os.stat(path).st_ino == bound:  # a newer server may have taken the name
                os.unlink(path)
                os.unlink(info_path(path))
        except OSError:
            pass
        _leave_no_files(path)
    return 0


def _leave_no_files(path: str) -> None:
    """An ended server's lock, and its log unless something was written to it."""
    stem = path[: -len(".sock")]
    for name, only_if_empty in ((stem + ".lock", False), (stem + ".log", True)):
        try:
            if not only_if_empty or os.path.getsize(name) == 0:
                os.unlink(name)
        except OSError:
            pass


@dataclass
class _Forked:
    """A standby as the server sees it: its pid, the pipe it says "taken" on
    (-1 once it did, or ended), and the one the server says "start your
    zygote now" on (-1 once said)."""

    pid: int
    taken: int
    go: int

    def close(self) -> None:
        for fd in (self.taken, self.go):
            if fd >= 0:
                os.close(fd)
        self.taken = self.go = -1

    def start_zygote(self) -> None:
        if self.go >= 0:
            try:
                os.write(self.go, b"z")
            except OSError:
                pass
            os.close(self.go)
            self.go = -1


def _fork_standby(listener: socket.socket, delay: float, others: dict[int, _Forked]) -> _Forked:
    taken, says = os.pipe()
    hears, go = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = BROKEN
        try:
            for fd in [taken, go, *(fd for other in others.values() for fd in (other.taken, other.go) if fd >= 0)]:
                os.close(fd)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.set_wakeup_fd(-1)
            code = Standby(listener, says, hears, delay).serve()
        except BaseException as exc:  # a standby's failure is the server's log's, never a student's
            print(f"standby {os.getpid()}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            os._exit(code)
    os.close(says)
    os.close(hears)
    return _Forked(pid, taken, go)


def _keep_one_waiting(listener: socket.socket, standbys: dict[int, _Forked]) -> None:
    """Keep one standby waiting for a command at all times (one that took a
    command is replaced at once, so a second terminal's check is not queued
    behind a long training run), until the waiting one was idle for the whole
    idle time, or standbys keep failing. The replacement starts its zygote
    once the command ends (or after ``BUSY_DELAY_SECONDS``), so that the two
    do not share the two cores."""
    woken, wake = os.pipe()
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake)
    signal.signal(signal.SIGCHLD, lambda received, frame: None)  # a standby ended: the wake-up pipe says so
    waiting: _Forked | None = None
    delay, broken = 0.0, 0
    while broken < _BROKEN_IN_A_ROW:
        if waiting is None:
            waiting = _fork_standby(listener, delay, standbys)
            standbys[waiting.pid] = waiting
        current = waiting
        ready = select.select([woken] + ([current.taken] if current.taken >= 0 else []), [], [], 5.0)[0]
        if woken in ready:
            os.read(woken, 512)
        if current.taken >= 0 and current.taken in ready:
            said = os.read(current.taken, 1)
            os.close(current.taken)
            current.taken = -1
            if said == b"t":  # it took a command: the next one waits beside it
                waiting, delay = None, BUSY_DELAY_SECONDS
        for forked, code in _reaped(standbys):
            if forked is waiting:
                if code == IDLE:
                    return
                waiting, delay = None, 0.0
                broken = broken + 1 if code != SERVED else 0
            elif waiting is not None and not any(other.taken < 0 for other in standbys.values()
                                                 if other is not waiting):
                waiting.start_zygote()  # no command is running any more


def _reaped(standbys: dict[int, _Forked]) -> list[tuple[_Forked, int]]:
    """The standbys that ended, with their exit codes (forgotten, their pipes closed)."""
    ended = []
    while standbys:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        forked = standbys.pop(pid, None)
        if forked is not None:
            forked.close()
            ended.append((forked, os.waitstatus_to_exitcode(status)))
    return ended


def _trim_log(path: str) -> None:
    log = path[: -len(".sock")] + ".log"
    try:
        if os.path.getsize(log) > _LOG_BYTES:
            os.truncate(log, 0)
    except OSError:
        pass


def _signature(paths: tuple[str, ...]) -> list[tuple[int, int, int, int] | None]:
    """What the zygote's view binds, as the kernel saw it when it started (a
    file replaced since, e.g. a dataset fetched again, is another inode)."""
    found: list[tuple[int, int, int, int] | None] = []
    for path in paths:
        try:
            seen = os.stat(path)
            found.append((seen.st_dev, seen.st_ino, seen.st_size, seen.st_mtime_ns))
        except OSError:
            found.append(None)
    return found


class Standby:
    """One forked copy of the server: a zygote started ahead, then one command."""

    def __init__(self, listener: socket.socket, says: int = -1, hears: int = -1, delay: float = 0.0) -> None:
        self.listener = listener
        self.says = says
        """The pipe it says "taken" on, to the server (-1: none)."""
        self.hears = hears
        """The pipe the server says "start your zygote now" on (-1: none)."""
        self.delay = delay
        self.zygote: Any = None
        self.files: list[tuple[int, int, int, int] | None] = []
        self._finished = threading.Event()

    def _start_zygote(self) -> None:
        """A zygote for the most recent view ``grade submit`` used (the
        session forks from it only if its own view is this one)."""
        from grader.errors import GraderError
        from grader.sandbox import forking, headstart, isolation

        key = headstart.latest_view()
        if key is None:
            return
        try:
            available = isolation.choose("auto")
        except GraderError:
            return
        if available.level != "namespaces" or not available.root:
            return
        self.files = _signature(key.readable + key.data)
        try:
            self.zygote = forking.Zygote(available, key)
        except GraderError as exc:
            print(f"standby {os.getpid()}: no zygote: {exc}", file=sys.stderr, flush=True)

    def _zygote_if_unchanged(self) -> Any:
        zygote, self.zygote = self.zygote, None
        if zygote is not None and (not zygote.alive() or _signature(zygote.key.readable + zygote.key.data)
                                   != self.files):
            zygote.close()
            return None
        return zygote

    def serve(self) -> int:
        watched: list[Any] = [self.listener, *([self.hears] if self.hears >= 0 else [])]
        if not self.delay or self.listener not in select.select(watched, [], [], self.delay)[0]:
            self._start_zygote()
        self.listener.settimeout(server.idle_seconds())
        try:
            connection, _ = self.listener.accept()
        except (socket.timeout, TimeoutError):
            return IDLE
        self.listener.close()
        if self.says >= 0:
            os.write(self.says, b"t")
            os.close(self.says)
        with connection:
            connection.settimeout(10.0)
            _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                  struct.calcsize("3i")))
            message, fds, _, _ = socket.recv_fds(connection, server.MAX_MESSAGE, 3)
            if uid != os.getuid() or len(fds) != 3:
                return SERVED  # only this user's own commands, with their terminal
            request = json.loads(message)
            try:
                os.chdir(request["cwd"])
            except OSError as exc:
                connection.send(json.dumps({"refused": str(exc)}).encode())
                return SERVED
            connection.send(json.dumps({"pid": os.getpid()}).encode())
            if connection.recv(16) != b"go":
                return SERVED  # the client gave up waiting and runs the command itself
            connection.settimeout(None)
            self._adopt(fds, request)
            threading.Thread(target=self._watch, args=(connection,), daemon=True).start()
            try:
                code, pool = self._run(list(request["argv"]), request.get("started"), request.get("sent"))
            except BaseException:  # a bug of the grader's: its traceback, as the ordinary start shows it
                import traceback

                traceback.print_exc()
                code, pool = 1, None
            self._finished.set()
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            try:
                connection.send(json.dumps({"exit": code}).encode())
            except OSError:
                pass
        if pool is not None:
            pool.close()  # once the client has its exit code
        return SERVED

    def _watch(self, connection: socket.socket) -> None:
        """The client gone (killed, its terminal closed): stop its command as Ctrl-C would."""
        try:
            gone = connection.recv(16) == b""
        except OSError:
            gone = True
        if gone and not self._finished.is_set():
            os.kill(os.getpid(), signal.SIGINT)

    @staticmethod
    def _adopt(fds: list[int], request: dict[str, Any]) -> None:
        """Take the client's terminal (its stdin, stdout, stderr), environment,
        program name and first ``sys.path`` entry (the ``grade`` script's
        folder, which the child's library path is worked out from) as this
        process's own, so that the command sees what the ordinary start sees."""
        encoding, errors = sys.stdout.encoding, sys.stdout.errors
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
            os.close(fd)
        sys.stdin = io.TextIOWrapper(io.open(0, "rb", closefd=False), encoding=encoding)
        sys.stdout = io.TextIOWrapper(io.open(1, "wb", closefd=False), encoding=encoding, errors=errors,
                                      line_buffering=os.isatty(1))
        sys.stderr = io.TextIOWrapper(io.open(2, "wb", closefd=False), encoding=encoding,
                                      errors="backslashreplace", line_buffering=True)
        os.environ.clear()
        os.environ.update({str(name): str(value) for name, value in request["env"].items()})
        sys.argv[:1] = [str(request.get("sys_argv0", "grade"))]
        if sys.path:
            sys.path[0] = str(request.get("sys_path0", sys.path[0]))

    def _run(self, argv: list[str], started: float | None, sent: float | None) -> tuple[int, Any]:
        """``grade ARGS`` as the entry point runs it, with this standby's
        zygote as its head start: the exit code, and the head start to close."""
        from grader import launch, timing
        from grader.sandbox import headstart

        if launch.PROFILE_OPTION in argv[2:]:
            timing.start(started, "the resident server's standby took the command")
            if isinstance(sent, float):
                timing.mark_at("the client (an interpreter, the build's key) sent the command", sent)
        pool = headstart.adopt(argv[2:], self._zygote_if_unchanged())
        try:
            launch.run_cli(argv[1:])
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0, pool
            print(exc.code, file=sys.stderr)
            return 1, pool
        return 0, pool


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
