"""A resident ``grade submit``: the grader already imported, and the next
sandboxed child already started, when a student checks their file again.

A self-check costs two interpreters that import numpy (the grader's and the
child's) before any grading is done. A student runs it dozens of times an
evening, on the same file, from the same folder. So after an ordinary run,
``grade submit`` leaves a small server behind (``serve``), one per user and
per *build* of the grader (its sources, interpreter, installed packages and
the environment it reads), listening on a socket only its user can open.
The server has click, rich, numpy and the grader imported, and keeps one
*standby*: a fork of itself that has already started a warm zygote
(``sandbox.forking``) for the view the last run used. The next
``grade submit`` (``client``) hands the standby its arguments, working
folder, environment and its own terminal (the file descriptors themselves),
and waits for the exit code. The standby runs the command exactly as the
ordinary path would, in its own fresh process, and writes to the student's
terminal directly; then it exits, and the server forks the next standby.

Nothing about isolation changes: the child is forked from a zygote only when
the view the session computes equals the zygote's, and the zygote's files
are unchanged since it started (``standby``); every child reports its
namespaces and uid before student code runs, as always. A server that does
not answer, or any doubt (another build, another environment, a socket
folder someone else owns), is just the ordinary start. Only a command run
on a terminal starts one (``mode``); ``GRADER_SERVER=off`` turns it off; it ends after ``GRADER_SERVER_IDLE`` seconds without a
request (15 minutes); ``grade server status`` and ``grade server stop``
show and end it.

This module is standard library only: the client imports it before anything
else, on the path of every ``grade submit``.
"""

from __future__ import annotations

import json
import os
import stat
import sys

SERVER_ENV = "GRADER_SERVER"
IDLE_ENV = "GRADER_SERVER_IDLE"
DEFAULT_IDLE_SECONDS = 900.0
MAX_MESSAGE = 1 << 20

BUILD_ENV = ("GRADER_COURSE_DIR", "GRADER_DATA_DIR", "GRADER_BWRAP", "GRADER_MIRROR", "HOME", "XDG_CACHE_HOME",
             "PATH", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONPATH")
"""The environment the server's imports and caches may depend on: a client
whose values differ talks to another server (or starts one)."""


def mode() -> str:
    """``GRADER_SERVER``: ``off`` (no server used or started), ``auto`` (the
    default: a server is used if one is up, and started only by a command
    run on a terminal, a student's self-check, never by a script, a batch or
    an autograder), or ``on`` (started by any command; the benchmarks)."""
    said = os.environ.get(SERVER_ENV, "auto").strip().lower()
    if said in ("off", "0", "no", "false"):
        return "off"
    return "on" if said in ("on", "1", "yes", "true") else "auto"


def enabled() -> bool:
    return mode() != "off"


def should_start() -> bool:
    """Whether this command leaves a server behind (see ``mode``)."""
    found = mode()
    return found == "on" or (found == "auto" and (os.isatty(1) or os.isatty(2)))


def idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get(IDLE_ENV, DEFAULT_IDLE_SECONDS)))
    except ValueError:
        return DEFAULT_IDLE_SECONDS


def build_key() -> str:
    """What the server's imported code and state are made of: the grader's
    sources (each file's name, size and modification time), the interpreter,
    the folders on its path (a package installed or removed changes their
    time), and the environment it reads. Any change is another key, so
    another server: an old one is never asked, and ends when idle."""
    from grader import __version__

    said: list[object] = [__version__, sys.executable, sys.version, os.getuid()]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml", ".json", ".typed")):
                try:
                    found = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                said.append((os.path.relpath(os.path.join(folder, name), package), found.st_size,
                             found.st_mtime_ns))
    for entry in sys.path:
        try:
            said.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            said.append((entry, None))
    said.append([os.environ.get(name) for name in BUILD_ENV])
    try:
        from _blake2 import blake2b  # hashlib's own, without the OpenSSL load that costs a few ms here
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(json.dumps(said, default=str).encode(), digest_size=10).hexdigest()


def socket_dir() -> str | None:
    """The user's private folder for the server's socket (None: there is no
    safe one: it exists but is not a folder of this user's alone)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = os.path.join(runtime, "grade") if runtime and os.path.isdir(runtime) else f"/tmp/grade-{os.getuid()}"
    try:
        os.mkdir(base, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        found = os.lstat(base)
    except OSError:
        return None
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or stat.S_IMODE(found.st_mode) & 0o077:
        return None
    return base


def socket_path(key: str | None = None) -> str | None:
    base = socket_dir()
    return None if base is None else os.path.join(base, f"{key or build_key()}.sock")


def running() -> list[dict[str, object]]:
    """This user's servers that are up: each one's pid, socket, start time,
    idle limit, and whether it is of the current build (``current``)."""
    base = socket_dir()
    if base is None:
        return []
    current = f"{build_key()}.sock"
    found = []
    for name in sorted(os.listdir(base)):
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(base, name), encoding="utf-8") as stream:
                info = json.load(stream)
            os.kill(int(info["pid"]), 0)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # gone, or not a server's file
        info["current"] = os.path.basename(str(info.get("socket", ""))) == current
        found.append(info)
    return found


def stop(wait_seconds: float = 5.0) -> list[dict[str, object]]:
    """End this user's servers (SIGTERM: a command one is running ends too);
    the ones that were asked to."""
    import signal
    import time

    asked = running()
    for info in asked:
        try:
            os.kill(int(info["pid"]), signal.SIGTERM)  # type: ignore[call-overload]
        except OSError:
            pass
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and any(_alive(int(info["pid"])) for info in asked):  # type: ignore[call-overload]
        time.sleep(0.05)
    return asked


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie of a parent that has not waited yet is gone for our purposes
        with open(f"/proc/{pid}/stat", "rb") as stat_file:
            return stat_file.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True
