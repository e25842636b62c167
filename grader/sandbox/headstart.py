"""``grade submit``'s sandboxed child, started before the grader imports
anything else, so that the two interpreters a self-check needs (the
grader's and the child's, each importing numpy) start at the same time on
two cores instead of one after the other.

The ``grade`` entry point calls ``begin`` first thing: it starts a warm
zygote (``forking``: bubblewrap's namespaces, numpy imported, its own
cgroup; each child forked from it still gets its own uid, IPC namespace,
seccomp filter, limits and audit hook) while the grader goes on to import
click, rich, the manifest and the plug-in. What the zygote's sandbox is made
of (its ``ViewKey``: the data files a check hands over, the modules the
plug-in preloads, the limits, the environment) is only known once those are
read, so the head start takes the view the last run of the same command
used, from a small cache under the user's cache folder (``views.json``,
keyed by the command line, working folder, interpreter and version).

That view is a guess and nothing more: the session forks its child from the
early zygote only when the view it computes itself, from the manifest and
plug-in it loaded, is equal to the zygote's (``HeadStartPool.for_view``).
Otherwise the zygote is closed unused and the child starts the ordinary way,
as it does on the first run. A stale or edited cache can cost time, never
isolation; and whatever view a child was started with, it reports the
namespaces and uid it really has before any student code runs
(``lifecycle``), and the grader refuses one that is not isolated as said.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sys
import threading
from typing import Any

from grader import __version__, timing
from grader.errors import GraderError
from grader.sandbox import forking
from grader.sandbox.levels import Available, Mode

VALUED_OPTIONS = ("--assignment", "--profile", "--json", "--report", "--data-dir", "--timeout", "--isolation")
"""``grade submit``'s options that take a value (the rest are flags)."""
CONTEXT_ENV = ("GRADER_COURSE_DIR", "GRADER_DATA_DIR", "GRADER_BWRAP", "HOME", "XDG_CACHE_HOME", "PATH")
KEPT_VIEWS = 32
"""How many commands' views the cache keeps (the most recent)."""


def _submit_arguments(argv: list[str]) -> tuple[str, Mode] | None:
    """The FILE and ``--isolation`` of ``grade submit ...`` (None: not a
    command to start early for: help, no file, not a ``.py``)."""
    file, mode, waiting = None, "auto", None
    for word in argv:
        if waiting is not None:
            if waiting == "--isolation":
                mode = word
            waiting = None
        elif word in ("-h", "--help"):
            return None
        elif word in VALUED_OPTIONS:
            waiting = word
        elif word.startswith("--isolation="):
            mode = word.split("=", 1)[1]
        elif not word.startswith("-") and file is None:
            file = word
    if file is None or not file.endswith(".py") or mode not in ("auto", "strict") or not os.path.isfile(file):
        return None
    return file, mode  # type: ignore[return-value]


def command_key(argv: list[str]) -> str:
    """What makes two ``grade submit`` commands the same for the view their child gets."""
    resolved = [os.path.realpath(word) if os.path.isfile(word) else word for word in argv
                if word != "--profile-timing"]  # timing a command does not change its view
    said = [__version__, sys.executable, os.getcwd(), resolved, [os.environ.get(name) for name in CONTEXT_ENV]]
    return hashlib.sha256(json.dumps(said).encode()).hexdigest()[:32]


def _views_file() -> str:
    from grader import paths

    return str(paths.tool_cache_dir() / "views.json")


def _read_views() -> dict[str, Any]:
    try:
        with open(_views_file(), encoding="utf-8") as stream:
            found = json.load(stream)
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) and found.get("schema_version") == 1 else {}


def _key_from_json(raw: Any) -> forking.ViewKey | None:
    """A cached view, or None if it is not one (any malformed entry is just no guess)."""
    try:
        strings = {name: tuple(str(item) for item in raw[name]) for name in ("readable", "data", "sys_path",
                                                                               "preload")}
        env = tuple((str(name), str(value)) for name, value in raw["env"])
        return forking.ViewKey(**strings, memory_bytes=int(raw["memory_bytes"]), processes=int(raw["processes"]),
                               env=env, work_bytes=int(raw["work_bytes"]))
    except (KeyError, TypeError, ValueError):
        return None


def latest_view() -> forking.ViewKey | None:
    """The view of the command run most recently (the one the resident server's standby starts its zygote for)."""
    views = _read_views().get("views", {})
    entry = list(views.values())[-1] if views else None
    return _key_from_json(entry) if isinstance(entry, dict) else None


def remembered(command: str) -> forking.ViewKey | None:
    return looked_up(command)[0]


def looked_up(command: str) -> tuple[forking.ViewKey | None, bool]:
    """The view ``command`` used last time (None: not known), and whether
    that command is the most recent one in the cache."""
    views = _read_views().get("views", {})
    entry = views.get(command)
    return (_key_from_json(entry) if isinstance(entry, dict) else None), bool(views) and list(views)[-1] == command


def remember(command: str, key: forking.ViewKey) -> None:
    """Keep ``key`` as the view of ``command`` (atomically; a cache that cannot be written is no error)."""
    views = dict(_read_views().get("views", {}))
    views.pop(command, None)
    views[command] = {name: list(value) if isinstance(value, tuple) else value for name, value in
                      key.__dict__.items()}
    views = dict(list(views.items())[-KEPT_VIEWS:])
    target = _views_file()
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        partial = f"{target}.{os.getpid()}.partial"
        with open(partial, "w", encoding="utf-8") as stream:
            json.dump({"schema_version": 1, "views": views}, stream)
        os.replace(partial, target)
    except OSError:
        pass


class HeadStartPool(forking.ZygotePool):
    """The zygote pool of one ``grade submit``: the early zygote if its view
    is the session's, else none (the ordinary start); it remembers the view
    the session asked for, for the next run."""

    def __init__(self, command: str, guess: forking.ViewKey | None, available: Available | None,
                 early: forking.Zygote | None = None, latest: bool = False) -> None:
        super().__init__()
        self.command = command
        self.guess = guess
        self.latest = latest
        """Whether the command is the cache's most recent (else its view is written again, last)."""
        self.used: bool | None = None
        """None until the session asked; then whether the early zygote was its."""
        self._early: forking.Zygote | None = early
        """The early zygote: this pool's thread starts it, or it was started ahead (``adopt``)."""
        self._ready = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        if guess is None or available is None:
            self._ready.set()
        else:
            self._thread = threading.Thread(target=self._start, args=(available, guess), daemon=True)
            self._thread.start()

    def _start(self, available: Available, guess: forking.ViewKey) -> None:
        """Start the zygote, then stay: bubblewrap's ``--die-with-parent`` is
        the kernel's parent-death signal, sent when the *thread* that started
        it ends."""
        timing.mark("head start: the early zygote is being started")
        try:
            self._early = forking.Zygote(available, guess)
            timing.mark("head start: the early zygote is ready (numpy imported)")
        except GraderError as exc:
            timing.mark(f"head start: the early zygote failed ({str(exc)[:80]})")
        finally:
            self._ready.set()
        self._closing.wait()
        if self._early is not None:
            self._early.close()

    def for_view(self, available: Available, key: forking.ViewKey) -> forking.Zygote | None:
        if self.used is None and (key != self.guess or not self.latest):  # else no rewrite (a rename can cost ms)
            remember(self.command, key)
        if available.level != "namespaces" or not available.root:
            self.used = False
            return None
        if self.used is None:
            self._ready.wait()
            self.used = self._early is not None and self._early.key == key and self._early.alive()
            timing.mark("the session's view is the early zygote's: its child is forked from it" if self.used else
                        "the session's view is not the early zygote's (or there is none): an ordinary start")
        if self.used and self._early is not None and self._early.alive():
            return self._early
        return None

    def close(self) -> None:
        if self._thread is not None:
            self._closing.set()
            self._thread.join()
            self._thread = self._early = None
        elif self._early is not None:  # adopted (``adopt``): no thread of this pool's started it
            self._early.close()
            self._early = None
        super().close()


_POOL: HeadStartPool | None = None


def begin(argv: list[str]) -> None:
    """For ``grade submit`` with these arguments: start the early zygote (if
    this command ran before and zygotes apply here), and keep the pool that
    ``pool`` hands to the command."""
    global _POOL
    found = _submit_arguments(argv)
    if found is None:
        return
    _, mode = found
    command = command_key(argv)
    guess, latest = looked_up(command)
    available = None
    if guess is not None:
        from grader.sandbox import isolation

        try:
            available = isolation.choose(mode)
        except GraderError:  # refused: the command says so itself, in its own words
            available = None
        if available is not None and not (available.level == "namespaces" and available.root):
            available = None  # zygotes need a uid per child: the child starts the ordinary way
    _POOL = HeadStartPool(command, guess, available, latest=latest)
    atexit.register(_POOL.close)


def adopt(argv: list[str], zygote: forking.Zygote | None) -> HeadStartPool | None:
    """For ``grade submit`` with these arguments, run by the resident server:
    ``zygote`` (started ahead by its standby, or None) as the early zygote,
    used only if the session's view is its view, as ``begin``'s is."""
    global _POOL
    if _submit_arguments(argv) is None:
        if zygote is not None:
            zygote.close()
        return None
    command = command_key(argv)
    guess, latest = looked_up(command)
    _POOL = HeadStartPool(command, guess, None, early=zygote, latest=latest)
    return _POOL


def take() -> HeadStartPool | None:
    """The head start ``begin`` made for this process's command, once (None: there was none)."""
    global _POOL
    found, _POOL = _POOL, None
    return found
