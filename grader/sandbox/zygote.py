"""A zygote: one sandboxed interpreter, numpy imported, that forks a fresh
child per submission (the grader's side is ``forking``).

Started by the grader as ``python -S -s -P zygote.py CONFIG_JSON`` inside
bubblewrap's namespaces, as root in there. It prepares what every child
needs (``harness.Prepared``) once, then serves requests on a control socket
(``SOCK_SEQPACKET``, one JSON message per packet):

    {"op": "spawn", "id": N, "config": {...}}  + 5 descriptors: requests, answers, stdout, stderr,
                                                  the submission (read-only)
        -> {"spawned": N, "pid": PID}            (or {"failed": N, "error": "..."})
    {"op": "kill", "id": N}                     -> the child's whole uid is killed
    {"op": "release", "workdir": PATH}          -> that working folder is removed
    a child ended                               -> {"exited": N, "status": WAIT_STATUS}

Each child starts its own session, keeps only its four descriptors (never the
control socket), drops to its own unprivileged uid, filters system calls,
sets its limits and then runs exactly as a freshly started harness does. When
a child ends or is killed, every process left under its uid is killed too,
so nothing one submission starts outlives it. Children cannot write where
another child could read: the zygote's /tmp and /dev/shm belong to root, and
each child's working folder is its own uid's, mode 0700, made by the zygote
in a size-capped tmpfs (with a copy of the submission, from the descriptor
the grader sends) and kept across restarts until the grader releases it.

Standard library and numpy only; loaded by path like the harness.
"""

from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_MAX_MESSAGE = 1 << 20
_CHILD_FDS = (0, 1, 2, 3, 4)
_REQUESTS_FD, _ANSWERS_FD = 3, 4


def _load_harness() -> Any:
    spec = importlib.util.spec_from_file_location("_grader_harness", _HERE / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid``: a helper becomes that uid and signals
    all it may signal (kill(-1) spares only the caller itself)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(3):  # again, for what was being forked meanwhile
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    break
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


class Zygote:
    def __init__(self, config: dict[str, Any]) -> None:
        self.control = socket.socket(fileno=config["control_fd"])
        self.seccomp = bytes.fromhex(config["seccomp"]) if config.get("seccomp") else None
        self.root = os.path.realpath(config["root"])
        self.harness = _load_harness()
        self.prepared = self.harness.Prepared(config)
        self.children: dict[int, tuple[int, int | None]] = {}
        """pid -> (request id, uid)."""
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda number, frame: None)

    def send(self, message: dict[str, Any]) -> None:
        self.control.send(json.dumps(message).encode())

    def serve(self) -> None:
        self.send({"ready": True, "pid": os.getpid()})
        while True:
            try:
                readable, _, _ = select.select([self.control.fileno(), self.wake_r], [], [])
            except InterruptedError:
                continue
            if self.wake_r in readable:
                os.read(self.wake_r, 4096)
                self.reap()
            if self.control.fileno() in readable:
                try:
                    data, fds, _, _ = socket.recv_fds(self.control, _MAX_MESSAGE, 5)
                except ConnectionError:
                    return
                if not data:
                    return  # the grader is gone
                request = json.loads(data)
                if request.get("op") == "spawn":
                    self.spawn(request, fds)
                elif request.get("op") == "kill":
                    self.kill(int(request["id"]))
                elif request.get("op") == "release":
                    self.release(str(request["workdir"]))
                for fd in fds if request.get("op") != "spawn" else ():
                    os.close(fd)

    def spawn(self, request: dict[str, Any], fds: list[int]) -> None:
        config = request["config"]
        uid = config["drop_to"][0] if config.get("drop_to") else None
        try:
            if len(fds) != 5:
                raise ValueError(f"a spawn request carries 5 descriptors, not {len(fds)}")
            self.make_workdir(config, fds.pop(), uid)
            pid = os.fork()
        except Exception as exc:
            for fd in fds:
                os.close(fd)
            self.send({"failed": request["id"], "error": f"{type(exc).__name__}: {exc}"})
            return
        if pid == 0:
            self.become_child(config, fds)  # never returns
        for fd in fds:
            os.close(fd)
        self.children[pid] = (int(request["id"]), uid)
        self.send({"spawned": request["id"], "pid": pid})

    def inside(self, path: str) -> str:
        real = os.path.realpath(path)
        if os.path.dirname(real) != self.root:
            raise ValueError(f"{path} is not a working folder of this zygote")
        return real

    def make_workdir(self, config: dict[str, Any], source: int, uid: int | None) -> None:
        """The child's working folder with a copy of the submission; a restart
        finds both as the child before it left them."""
        try:
            workdir = self.inside(config["workdir"])
            if not os.path.isdir(workdir):
                os.mkdir(workdir, 0o700)
                target = os.path.join(workdir, os.path.basename(config["submission"]))
                with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "wb") as copy:
                    while chunk := os.read(source, 1 << 16):
                        copy.write(chunk)
                if uid is not None:
                    os.chown(workdir, uid, uid)
                    os.chown(target, uid, uid)
        finally:
            os.close(source)

    def release(self, workdir: str) -> None:
        try:
            shutil.rmtree(self.inside(workdir), ignore_errors=True)
        except ValueError:
            pass

    def become_child(self, config: dict[str, Any], fds: list[int]) -> None:
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            requests, answers, stdout, stderr = fds
            # Descriptors at fixed numbers, then nothing else open: above all
            # not the control socket, which could forge spawn requests.
            high = [os.dup(fd) for fd in (requests, answers, stdout, stderr)]
            null = os.open(os.devnull, os.O_RDONLY)
            for target, fd in zip(_CHILD_FDS, (null, high[2], high[3], high[0], high[1])):
                os.dup2(fd, target)
            os.closerange(max(_CHILD_FDS) + 1, os.sysconf("SC_OPEN_MAX"))
            config = dict(config, request_fd=_REQUESTS_FD, response_fd=_ANSWERS_FD)
            os.environ.clear()
            os.environ.update(config.pop("env", {}))
            os.chdir(config["workdir"])
            self.harness.start(config, self.prepared, self.seccomp)
            code = 0
        except BaseException:
            try:
                os.write(2, traceback.format_exc().encode(errors="replace")[-4000:])
            except OSError:
                pass
            code = 70
        os._exit(code)

    def kill(self, request_id: int) -> None:
        for pid, (number, uid) in self.children.items():
            if number == request_id:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                if uid is not None:
                    kill_uid(uid)
                self.reap()
                return

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            found = self.children.pop(pid, None)
            if found is None:
                continue
            number, uid = found
            if uid is not None:  # whatever it left behind goes with it
                kill_uid(uid)
            self.send({"exited": number, "status": status})


def main() -> None:
    config = json.loads(sys.argv[1])
    Zygote(config).serve()


if __name__ == "__main__":
    main()
