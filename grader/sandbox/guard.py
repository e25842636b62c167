"""The child's own defences, set up before any student code runs: resource
limits it cannot raise again, and an audit hook that refuses what student code
must not do at the Python level (read the hidden course files, write outside
its working folder, start processes, use the network, signal).

Standard library only; loaded by the child harness by path.
"""

from __future__ import annotations

import os
import resource
import sys
from typing import Any


class RefusedByGrader(PermissionError):
    """What the guard raises: a PermissionError (student code that catches
    those keeps working) the grader can tell from the system's own."""


class NetworkRefused(RefusedByGrader):
    """A refused connection or name lookup: mostly a download of the course's
    data, which the grader hands over instead (the harness says so)."""


FILE_BYTES = 1 << 30
"""The largest file the child may write (a disk fill stops there)."""
OPEN_FILES = 256
PROCESSES = 128
"""Tasks (processes and threads) of the child's uid, when it has its own."""
STACK_BYTES = 8 << 20
"""The main thread's stack: the usual Linux default, set whatever the grader
was started with, so runaway C recursion ends the same way (a segmentation
fault the grader names) on every machine, not in a slow memory exhaustion
where ``ulimit -s unlimited``."""


def drop_privileges(uid: int, gid: int) -> None:
    """Become an unprivileged user (the grader ran as root): from here on no
    capability is left, so no limit set below can be raised again."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    _no_new_privileges()


def _no_new_privileges() -> None:
    """prctl(PR_SET_NO_NEW_PRIVS): no setuid binary can give any back. libc is
    reached through the process's own symbols (find_library would run ldconfig)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0)


def filter_syscalls(program: bytes) -> None:
    """Load a seccomp BPF program (``sock_filter`` records of 8 bytes, as
    libseccomp exports them) for this process and all it starts. Needs
    no-new-privileges (``drop_privileges`` sets it) or CAP_SYS_ADMIN."""
    import ctypes

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    if not program or len(program) % 8:
        raise ValueError("a seccomp program is a whole number of 8-byte instructions")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_seccomp, seccomp_mode_filter = 22, 2
    if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) refused the grader's filter")


def set_limits(config: dict[str, Any]) -> None:
    """Limits the child cannot lift: address space, CPU time, stack, core
    dumps, file size, open files, and (with a uid of its own) processes."""
    memory = config.get("memory_bytes")
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = config.get("cpu_seconds")
    if cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    stack = STACK_BYTES if hard == resource.RLIM_INFINITY else min(STACK_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_STACK, (stack, stack))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    if config.get("drop_to"):
        resource.setrlimit(resource.RLIMIT_NPROC, (PROCESSES, PROCESSES))


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
                  "os.chown", "os.link", "os.symlink", "os.utime", "os.chflags", "os.mkdir", "os.setxattr",
                  "os.removexattr"}
_BOTH_PATHS = {"os.rename", "os.link"}
"""Events whose first two arguments are both paths the call touches (a hard
link makes the file it links readable where the link is)."""
_NEW_PATH = {"os.symlink"}
"""Events whose second argument is the path created (the first is the link's text)."""
_INET_FAMILIES = {2, 10, 17}  # AF_INET, AF_INET6, AF_PACKET


def install_audit_hook(deny: list[str], allow: set[str], workdir: str | None = None,
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
                raise RefusedByGrader(f"the grader lets submissions write only in their working folder, "
                                      f"not {path!r}")
            if real in allowed:
                return
            if denied(real) or foreign_process(real):
                raise RefusedByGrader(f"the grader does not let submissions read {path!r}")
            if os.path.isdir(real) and not writable(real):
                # A folder's descriptor makes later paths relative to it (dir_fd=),
                # which this hook would resolve against the working folder.
                raise RefusedByGrader(f"the grader does not let submissions open folders outside their working "
                                      f"folder ({path!r})")
        elif event in _CHANGE_EVENTS and args and isinstance(args[0], (str, bytes, os.PathLike)):
            targets = [args[1]] if event in _NEW_PATH and len(args) > 1 else \
                [args[0]] + ([args[1]] if event in _BOTH_PATHS and len(args) > 1 else [])
            for target in targets:
                if isinstance(target, (str, bytes, os.PathLike)) and not writable(
                        os.path.realpath(os.fsdecode(target))):
                    raise RefusedByGrader(f"the grader lets submissions change files only in their working "
                                          f"folder, not {target!r} ({event})")
        elif event in ("os.listdir", "os.scandir") and args:
            target = args[0] if args[0] is not None else "."
            if isinstance(target, int):
                return
            real = os.path.realpath(os.fsdecode(target))
            if denied(real):
                raise RefusedByGrader(f"the grader does not let submissions list {target!r}")
        elif event == "socket.__new__" and len(args) > 1 and args[1] in _INET_FAMILIES:
            raise NetworkRefused("the grader does not allow network access (socket.__new__)")
        elif event in _BLOCKED_EVENTS:
            refused = NetworkRefused if _BLOCKED_EVENTS[event] == "network access" else RefusedByGrader
            raise refused(f"the grader does not allow {_BLOCKED_EVENTS[event]} ({event})")

    def foreign_process(real: str) -> bool:
        """/proc/<pid>/... of another process (the grader's environment, memory, descriptors)."""
        parts = real.split(os.sep)
        return len(parts) > 2 and parts[1] == "proc" and parts[2].isdigit() and int(parts[2]) != os.getpid()

    sys.addaudithook(hook)
    _no_pidfd()
    _guard_unaudited(writable)


def _guard_unaudited(writable: Any) -> None:
    """mkfifo and mknod make files and raise no audit event: the same rule as
    the hook's, by wrapping them (relative to a folder descriptor: refused)."""
    def wrap(name: str, original: Any) -> Any:
        def guarded(path: Any, *args: Any, dir_fd: Any = None, **kwargs: Any) -> Any:
            if dir_fd is not None or not isinstance(path, (str, bytes, os.PathLike)) or not writable(
                    os.path.realpath(os.fsdecode(path))):
                raise RefusedByGrader(f"the grader lets submissions make files only in their working folder, "
                                      f"not {path!r} (os.{name})")
            return original(path, *args, **kwargs)

        return guarded

    for name in ("mkfifo", "mknod"):
        if hasattr(os, name):
            setattr(os, name, wrap(name, getattr(os, name)))


def _no_pidfd() -> None:
    """pidfd_open and pidfd_send_signal raise no audit event: a process
    descriptor of the grader would let student code signal it."""
    import signal

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise RefusedByGrader("the grader does not allow signalling other processes (pidfd)")

    for module, name in ((os, "pidfd_open"), (signal, "pidfd_send_signal")):
        if hasattr(module, name):
            setattr(module, name, refused)
