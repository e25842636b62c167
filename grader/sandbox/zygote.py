"""A zygote: one sandboxed interpreter, numpy imported, that forks a fresh
child per submission (the grader's side is ``forking``).

Started by the grader as ``python -S -s -P zygote.py CONFIG_JSON`` inside
bubblewrap's namespaces, as root in there. It prepares what every child
needs (``harness.Prepared``) once, then serves requests on a control socket
(``SOCK_SEQPACKET``, one JSON message per packet):

    {"op": "spawn", "id": N, "config": {...}}  + 5 descriptors: requests, answers, stdout, stderr,
                                                  the submission (read-only)
        -> {"spawned": N, "pid": PID}            (or {"failed": N, "error": "..."})
    {"op": "kill", "id": N}                     -> the child's whole uid is killed (and its IPC
                                                  emptied) before the next request is read
    {"op": "release", "workdir": PATH}          -> that working folder is removed
    a child ended                               -> {"exited": N, "status": WAIT_STATUS}

Each child is born in an IPC namespace of its own, starts its own session,
keeps only its four descriptors (never the control socket), drops to its own
unprivileged uid, filters system calls, sets its limits and then runs exactly
as a freshly started harness does. When a child ends or is killed, every
process left under its uid is killed too, and waited for, so nothing one
submission starts outlives it; then every System V segment, message queue
and semaphore set of its namespace is removed (their pages uncharged there
and then: the kernel frees a dropped namespace only later, in the
background), and the namespace goes, POSIX message queues with it. So
nothing one child leaves in IPC is read by the next, nor holds memory the
next one's grade needs. Children cannot write where another child could
read: the zygote's /tmp and /dev/shm belong to root, and each child's
working folder is its own uid's, mode 0700, made by the zygote in a
size-capped tmpfs (with a copy of the submission, from the descriptor the
grader sends) and kept across restarts until the grader releases it (the
grader's kill and release both come before its next spawn, so the folder's
pages are freed before the next child starts).

Standard library and numpy only; loaded by path like the harness.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Iterator

_HERE = Path(__file__).resolve().parent
_MAX_MESSAGE = 1 << 20
_CHILD_FDS = (0, 1, 2, 3, 4)
_REQUESTS_FD, _ANSWERS_FD = 3, 4
CLONE_NEWIPC = 0x08000000
_KILL_SECONDS = 10.0
"""How long the processes of a killed uid may take to be gone."""
_libc = ctypes.CDLL(None, use_errno=True)
_IPC_RMID = 0
_IPC_REMOVE = {"shm": lambda number: _libc.shmctl(number, _IPC_RMID, None),
               "msg": lambda number: _libc.msgctl(number, _IPC_RMID, None),
               "sem": lambda number: _libc.semctl(number, 0, _IPC_RMID)}
"""The System V objects /proc/sysvipc lists, and how one is removed."""


def _load_harness() -> Any:
    spec = importlib.util.spec_from_file_location("_grader_harness", _HERE / "harness.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` and wait until none is left running: a
    process lets go of its memory and of its IPC namespace only once it is
    gone. A helper becomes that uid and signals all it may signal (kill(-1)
    spares only the caller itself)."""
    deadline = time.monotonic() + _KILL_SECONDS
    while True:
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
        for _ in range(100):
            if not running(uid):
                return
            time.sleep(0.002)
        if time.monotonic() > deadline:
            return


def running(uid: int) -> bool:
    """Whether a thread of ``uid`` has not yet exited (a zombie has let go of
    its memory and namespaces; only its parent's wait is left)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:  # status, not the owner of /proc/PID: a process that changed uid is not dumpable, so root's
                with open(f"/proc/{pid}/task/{tid}/status", "rb") as status:
                    fields = dict(line.split(b":", 1) for line in status.read().splitlines() if b":" in line)
                alive = fields[b"State"].split()[0] not in (b"Z", b"X")
                if alive and int(fields[b"Uid"].split()[0]) == uid:
                    return True
            except (OSError, KeyError, IndexError, ValueError):
                continue
    return False


def empty_ipc(namespace: int) -> None:
    """Remove every System V segment, message queue and semaphore set of the
    IPC namespace ``namespace`` (a descriptor of it), from a helper that
    joins it: once nothing is attached, a segment's pages are freed (and
    uncharged) right there, before the next child starts, rather than
    whenever the kernel gets round to the namespace itself."""
    pid = os.fork()
    if pid == 0:
        try:
            if _libc.setns(namespace, CLONE_NEWIPC) == 0:
                for kind, remove in _IPC_REMOVE.items():
                    with open(f"/proc/sysvipc/{kind}") as listing:
                        rows = listing.read().splitlines()[1:]
                    for row in rows:  # key, id, ...
                        remove(int(row.split()[1]))
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
        self.children: dict[int, tuple[int, int | None, int]] = {}
        """pid -> (request id, uid, a descriptor of its IPC namespace)."""
        self.home_ipc = os.open("/proc/self/ns/ipc", os.O_RDONLY)
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
        self.reap()  # a child that ended unheard of is cleared before the next one is born
        try:
            if len(fds) != 5:
                raise ValueError(f"a spawn request carries 5 descriptors, not {len(fds)}")
            self.make_workdir(config, fds.pop(), uid)
            with self.ipc_namespace() as ipc:
                try:
                    pid = os.fork()
                except BaseException:
                    os.close(ipc)
                    raise
                if pid == 0:
                    self.become_child(config, fds)  # never returns
        except Exception as exc:
            for fd in fds:
                os.close(fd)
            self.send({"failed": request["id"], "error": f"{type(exc).__name__}: {exc}"})
            return
        for fd in fds:
            os.close(fd)
        self.children[pid] = (int(request["id"]), uid, ipc)
        self.send({"spawned": request["id"], "pid": pid})

    @contextlib.contextmanager
    def ipc_namespace(self) -> Iterator[int]:
        """A new IPC namespace for the child forked in the block, which is born
        in it: the zygote enters it, yields a descriptor of it and goes back to
        its own. Segments and queues a child makes are then its own, and go
        when it ends (``end``); it cannot make a namespace itself (seccomp)."""
        if _libc.unshare(CLONE_NEWIPC) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWIPC) failed")
        try:
            yield os.open("/proc/self/ns/ipc", os.O_RDONLY)
        finally:
            if _libc.setns(self.home_ipc, CLONE_NEWIPC) != 0:  # never forks again from a child's namespace
                raise SystemExit(f"the zygote could not return to its IPC namespace: {os.strerror(ctypes.get_errno())}")

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
        """End a child and all it left, before the next request is read."""
        for pid, (number, _, _) in list(self.children.items()):
            if number == request_id:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                deadline = time.monotonic() + _KILL_SECONDS
                try:
                    while not (ended := os.waitpid(pid, os.WNOHANG))[0] and time.monotonic() < deadline:
                        time.sleep(0.002)  # a killed process is gone in moments
                except ChildProcessError:
                    ended = (pid, int(signal.SIGKILL))
                if ended[0]:
                    self.end(pid, ended[1])
                return

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.end(pid, status)

    def end(self, pid: int, status: int) -> None:
        """A child has ended: whatever it left behind goes with it (every
        process of its uid, then every System V object of its IPC namespace,
        then the namespace itself, POSIX queues with it) before the grader
        hears of it."""
        found = self.children.pop(pid, None)
        if found is None:
            return
        number, uid, ipc = found
        if uid is not None:
            kill_uid(uid)
        empty_ipc(ipc)
        os.close(ipc)
        self.send({"exited": number, "status": status})


def main() -> None:
    config = json.loads(sys.argv[1])
    Zygote(config).serve()


if __name__ == "__main__":
    main()
