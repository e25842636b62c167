"""A session's child process from start to end: forked from a warm zygote,
or a fresh interpreter under bubblewrap where namespaces work, in a private
working folder holding a copy of the submission, capped by a cgroup where the
machine allows; started again after a death (a fallback without namespaces if
they stopped working), retired with its folder.
"""

from __future__ import annotations

import itertools
import os
import queue
import shutil
import sys
from pathlib import Path
from typing import Any, Callable

from grader import timing
from grader.errors import SandboxError
from grader.sandbox import bubblewrap
from grader.sandbox import forking
from grader.sandbox import isolation as isolation_mode
from grader.sandbox import ownership
from grader.sandbox import seccomp
from grader.sandbox.budgets import guard_processes, work_bytes
from grader.sandbox.child import Child
from grader.sandbox.levels import Level, Mode
from grader.sandbox.runtime import HARNESS, library_path, matplotlib_config
from grader.sandbox.session import Limits, StudentSession

_PER_CHILD_ENV = ("HOME", "TMPDIR", "MPLCONFIGDIR")
_START_SECONDS = 60.0
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
               "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "SYSTEMROOT")
_SESSIONS = itertools.count(1)
"""Numbers this process's sessions, for their children's distinct uids."""


class ChildLifecycle(StudentSession):
    """The process half of ``SubprocessSession``: its child, started on the
    first request, restarted after a death, retired by ``fresh`` and ``close``
    with its working folder."""

    def __init__(self, submission: Path, *, module_name: str, limits: Limits, allow: tuple[Path, ...],
                 deny: tuple[Path, ...], preload: tuple[str, ...], isolation: Mode,
                 zygotes: forking.ZygotePool | None) -> None:
        super().__init__()
        self._zygotes = zygotes
        self.mode = isolation
        self.available = isolation_mode.choose(isolation)
        self._uid = isolation_mode.child_uid(next(_SESSIONS)) if self.available.root else None
        self._cgroup: ownership.Cgroup | None = None
        self.capped = False
        """The child's process tree ran in a cgroup capping its memory and processes."""
        self.submission = Path(submission)
        self.module_name = module_name
        self.limits = limits
        self.allow = tuple(str(Path(p).resolve()) for p in allow)
        self.deny = tuple(str(Path(p).resolve()) for p in deny) + (str(self.submission.resolve().parent),)
        self.preload = preload
        self._child: Child | None = None
        self._workdir: str | None = None
        self._forked_from: forking.Zygote | None = None
        """The zygote whose tmpfs holds the working folder, when the child is forked."""
        self._stdout: list[str] = []
        self._stderr: list[str] = []
        self._renewed = False
        """The next start is ``fresh()``'s, not a restart after a death."""

    @property
    def isolation(self) -> Level:
        return self.available.level

    @property
    def isolation_detail(self) -> str:
        capped = "; memory and processes capped by a cgroup" if self.capped else ""
        return self.available.detail + capped

    def _readable(self, config: dict[str, Any]) -> tuple[str, ...]:
        """What the child may read besides the system: runtime, libraries, harness."""
        return (sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parent), str(HARNESS.parent),
                *config["sys_path"]) + ((config["mplconfig"],) if config.get("mplconfig") else ())

    def _confine(self, config: dict[str, Any]) -> Callable[[list[str]], tuple[list[str], int | None]] | None:
        """How to wrap the child's command in namespaces (None: no namespaces here)."""
        if self.available.level != "namespaces":
            return None
        view = bubblewrap.View(self._readable(config), self.allow, config["workdir"], (config["submission"],),
                               work_bytes(self.limits))

        def confine(command: list[str]) -> tuple[list[str], int | None]:
            fd = seccomp.seccomp_fd()
            return bubblewrap.bwrap_command(self.available, view, command, seccomp_fd=fd), fd

        return confine

    def _zygote(self, env: dict[str, str]) -> forking.Zygote | None:
        """The warm zygote to fork this session's child from, if this session
        was given a pool and the machine allows one."""
        if self._zygotes is None:
            return None
        sys_path, mplconfig = library_path(self.deny), matplotlib_config()
        readable = self._readable({"sys_path": sys_path, "mplconfig": mplconfig})
        shared = tuple(sorted((key, value) for key, value in env.items() if key not in _PER_CHILD_ENV))
        key = forking.ViewKey(readable, self.allow, tuple(sys_path), self.preload,
                              self.limits.memory_mb * 1024 * 1024, guard_processes(), shared, work_bytes(self.limits))
        return self._zygotes.for_view(self.available, key)

    def _start(self) -> Child:
        env = {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}
        env.setdefault("PATH", "/usr/bin:/bin")
        env.update(MPLBACKEND="Agg", PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8",
                   PYTHONWARNINGS="ignore::DeprecationWarning")
        zygote = self._forked_from if self._workdir is not None else self._zygote(env)
        if zygote is not None and not zygote.alive():
            zygote = None  # a restart after its zygote died: a child of its own, in a folder of its own
            self._workdir = self._forked_from = None
        if self._workdir is None and zygote is not None:
            self._workdir = zygote.new_workdir()  # made inside the zygote's tmpfs, by the zygote
            self._forked_from = zygote
        elif self._workdir is None:
            self._workdir = ownership.private_folder("run")
            copy = Path(self._workdir) / f"{self.module_name}.py"
            shutil.copyfile(self.submission, copy)
            if self._uid is not None:  # the child's own uid owns its folder, and nothing else
                os.chown(self._workdir, self._uid, self._uid)
                os.chown(copy, self._uid, self._uid)
        workdir = self._workdir
        mplconfig = matplotlib_config()
        env.update(HOME=workdir, TMPDIR=workdir, MPLCONFIGDIR=mplconfig or workdir)
        config = {
            "submission": str(Path(workdir) / f"{self.module_name}.py"),
            "module_name": self.module_name,
            "workdir": workdir,
            "memory_bytes": self.limits.memory_mb * 1024 * 1024,
            "cpu_seconds": int(self.limits.wall_seconds * 2 + 10),
            "deny": list(self.deny),
            "allow": list(self.allow),
            "preload": list(self.preload),
            "sys_path": library_path(self.deny),
            "mplconfig": mplconfig,
            "drop_to": [self._uid, self._uid] if self._uid is not None else None,
        }
        child = Child(config, env, self.limits, None if zygote else self._confine(config), zygote, self.submission)
        try:
            ready = child.frames.get(timeout=_START_SECONDS)
        except queue.Empty:
            ready = None
        if not isinstance(ready, dict) or not ready.get("ready"):
            child.kill()
            if self.available.level == "namespaces" and zygote is None:
                # The namespaces this machine gave before may be gone: probe again
                # (strict mode raises if they are), and start without them.
                isolation_mode.forget()
                found = isolation_mode.choose(self.mode)
                if found.level != "namespaces":
                    self.available = found
                    self._uid = None
                    return self._start()
            raise SandboxError("the grader's child process failed to start (no student code had run yet): "
                               + (child.stderr.text().strip()[-2000:] or "it printed nothing"))
        problem = isolation_mode.not_isolated(self.available, ready, self._uid)
        if problem is not None:
            child.kill()
            isolation_mode.forget()
            raise SandboxError(f"refusing to run the submission: its child process is not isolated as the grader "
                               f"expected ({self.available.level}): {problem}")
        timing.mark("the child is ready: isolated as expected, no student code run yet")
        if zygote is not None:
            self.capped = zygote.capped
        elif self.available.root:
            self._cap(child)
        self._child = child
        return child

    def _cap(self, child: Child) -> None:
        """Put the child's process tree in a cgroup of its own, where possible."""
        if self._cgroup is None:
            self._cgroup = ownership.Cgroup.create(f"{os.getpid()}-{self._uid or 0}-{next(_SESSIONS)}",
                                                        self.limits.memory_mb * 1024 * 1024,
                                                        guard_processes())
        if self._cgroup is not None and self._cgroup.add(child.process.pid):
            self.capped = True

    def _retire(self) -> None:
        """Stop the child and keep what it printed."""
        if self._child is not None:
            self._child.kill()
            self._stdout.append(self._child.stdout.text())
            self._stderr.append(self._child.stderr.text())
            self._child = None

    def fresh(self) -> None:
        self._retire()
        if self._workdir is not None and self._forked_from is not None:
            self._forked_from.release(self._workdir)
        elif self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = self._forked_from = None
        self._renewed = True

    def close(self) -> None:
        # The harness flushes the student's output before every answer, so an
        # idle child can be killed at once; waiting for its interpreter to shut
        # down would only add to every grade.
        self._retire()
        if self.available.level == "uid" and self._uid is not None:  # no PID namespace ends the rest
            isolation_mode.kill_uid(self._uid)
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        if self._workdir is not None and self._forked_from is not None:
            self._forked_from.release(self._workdir)
        elif self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = self._forked_from = None

    @property
    def stdout(self) -> str:
        live = [self._child.stdout.text()] if self._child else []
        return "".join(self._stdout + live)

    @property
    def stderr(self) -> str:
        live = [self._child.stderr.text()] if self._child else []
        return "".join(self._stderr + live)
