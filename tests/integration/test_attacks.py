"""Attacks that go around Python, each a real hostile submission graded through
the real sandbox (``tests/data/attacks/``: the hw2_affine reference with one
function replaced by the attack, or the attack added; the reference and the
helpers every attack shares live once in ``attacks/parts/`` and are put in
place by ``attack_text``).

Every attack is graded at the ``namespaces`` level (the default here), and the
test asserts, whatever the attack did:

1. grading returned normally (and, for a few, the ``grade`` CLI exits 0 with
   valid JSON);
2. a valid result: the items the attack replaces score 0, the others keep
   their honest points (or, where the attack damages its own process, never
   exceed their maximum);
3. bounded time;
4. nothing left running: every process an attack starts is named
   ``atk-<token>`` (``prctl(PR_SET_NAME)``, or an argument), and ``/proc`` is
   scanned for it afterwards;
5. nothing written outside the work folder: canary paths (the test's
   folders, the course copy, the dataset cache, the submissions' folder,
   ``/tmp``, ``/dev/shm``, ``/var/tmp``, ``/root``) must not appear, and every
   file of the course copy, the submissions, the cache and the test's folders
   keeps its bytes, mode, owner, times and extended attributes; daemons keep trying for seconds, so
   one that survives is caught in the act; the work folder itself is gone;
6. nothing received by a TCP listener and a UDP socket on 127.0.0.1 whose port
   the attacks are given.

Each attack also says what it saw on stdout (``ATK ...`` lines): ``evidence``
is what the defence's refusal looks like, ``forbidden`` what a success would
print (a secret, "ALLOWED", "RAISED!").

The same attacks are then graded without namespaces (``GRADER_BWRAP`` pointing
nowhere and, as root, the Python runtime taken for private, as it is on a
machine whose Python lives under /root: level ``python-hook``, the child runs
as the grader's own user; the ``uid`` level, root with a readable runtime, is
test_isolation.py's). There the audit hook, the rlimits and the wire are all
there is; ``without_namespaces`` says, per attack, whether they must
hold (``covered``), cannot (``native``: libc and ``_posixsubprocess`` go around
the hook, documented in docs/security.md; expected failures), should but do not
(``hole``: pure-Python routes the hook misses; strict expected failures, so a
fix shows up), must not be tried at all (``unsafe``: as root without
namespaces the attack would hit the machine running the tests; the attack
files also hold back by themselves when they find they are root), or would
only repeat another row (``skip``).

Holes found at the namespaces level are strict expected failures too, each with
its reason (``hole=``, and the tests after the table).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from course_files import REPO
from grader import assignments
from grader.assignments import module_name
from grader.grading import grade_submission
from grader.sandbox import bubblewrap, isolation
from grader.sandbox.budgets import WORK_BYTES

ATTACKS = Path(__file__).resolve().parents[1] / "data" / "attacks"


def attack_text(name: str) -> str:
    """An attack file with its shared parts put in place: @HONEST@ (the hw2_affine
    reference it starts from) and @TOOLKIT@ (placeholders, libc, helpers), from
    ``attacks/parts/``, each from its first line of code on."""
    text = (ATTACKS / f"{name}.py").read_text()
    honest = (ATTACKS / "parts" / "honest.py").read_text()
    toolkit = (ATTACKS / "parts" / "toolkit.py").read_text()
    honest = honest[honest.index("from __future__ import annotations"):]
    toolkit = toolkit[toolkit.index("# ------------------------------ the attack"):]
    return text.replace("@HONEST@\n", honest, 1).replace("@TOOLKIT@\n", toolkit, 1)
REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
CALL_SECONDS = 2
GRADING_SECONDS = 30
FILE_BYTES = 1 << 30
"""The guard's per-file limit (grader/sandbox/guard.py)."""
CLI = Path(sys.executable).parent / "grade"
PART4 = frozenset({"4.example", "4.hidden"})
PART8 = frozenset({"8.example", "8.hidden"})
NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Attack:
    stopped_by: str
    """What stops it at the namespaces level."""
    loses: frozenset[str] = PART8
    """Items that must score 0."""
    others: str = "pass"
    """``pass``: every other item passes; ``bounded``: none scores above its maximum."""
    evidence: tuple[str, ...] = ()
    """Text in the submission's stdout that shows the defence at work (namespaces level)."""
    forbidden: tuple[str, ...] = ()
    """Text that must never be in its stdout (``@TOKEN@`` is filled in)."""
    says: str = ""
    """Text in the items' feedback or the notes."""
    without_namespaces: str = "covered"
    """``covered``, ``native: why``, ``hole: why``, ``unsafe: why`` or ``skip: why`` (see the module's docstring)."""
    hole: str | None = None
    """A hole at the namespaces level: a strict expected failure with this reason."""
    max_stdout: int | None = None
    """The most output the report may keep (a flood is cut there)."""


NATIVE_LIBC = "native: libc calls through ctypes raise no audit event, and without namespaces the child runs as root"
NATIVE_DAEMON = ("native: a libc fork()/setsid() daemon leaves the child's process group, which is all the "
                 "grader kills without a PID namespace")
SAME_DAEMON = ("skip: without namespaces, the same route as libc_fork_daemon (a daemon out of the child's "
               "process group); not repeated, each costs seconds")

TABLE: dict[str, Attack] = {
    # -- secrets ---------------------------------------------------------------
    "libc_read_reference": Attack("file view: the course folder and the checkout do not exist inside",
                                  evidence=("No such file or directory",), without_namespaces=NATIVE_LIBC),
    "proc_grader_pid": Attack("PID namespace: the grader's pid is not there (the view has its own /proc)",
                              forbidden=("PYREAD", "LIBCREAD"),
                              without_namespaces=NATIVE_LIBC + " (Python's open of another process's /proc "
                                                                 "files is refused; libc's open is not)"),
    "environment_secrets": Attack("scrubbed environment + PID namespace (/proc/1 is bubblewrap's, another uid)",
                                  forbidden=("FOREIGN ENV", "secret-@TOKEN@"),
                              without_namespaces=NATIVE_LIBC + " (Python's open of another process's /proc "
                                                                 "files is refused; libc's open is not)"),
    "dataset_cache_labels": Attack("file view: the cache does not exist inside (only handed-over files would)",
                                   forbidden=("LEAK", "labels-@TOKEN@"), without_namespaces=NATIVE_LIBC),
    "classmate_files": Attack("file view: the submission's folder does not exist inside",
                              forbidden=("LEAK", "classmate-@TOKEN@"), without_namespaces=NATIVE_LIBC),
    "symlink_escape": Attack("file view (links resolve inside the view); the cleanup's rmtree does not follow them",
                             without_namespaces=NATIVE_LIBC),
    "hardlink_escape": Attack("mount boundaries (link() across binds is EXDEV) + read-only binds + uid",
                              forbidden=("OPENED FOR WRITING",), evidence=("Invalid cross-device link",),
                              without_namespaces=NATIVE_LIBC),
    "dirfd_escape": Attack("file view", without_namespaces="covered: the hook refuses opening a folder outside the "
                                                           "working folder, so no descriptor for dir_fd= to start from"),
    # -- files outside -----------------------------------------------------------
    "libc_write_outside": Attack("file view + read-only binds + unprivileged uid",
                                 forbidden=("OPENED", "RENAMED", "DELETED", "REMOVED", "MADE"),
                                 without_namespaces=NATIVE_LIBC),
    "chmod_chown_outside": Attack("file view + read-only binds + unprivileged uid", forbidden=("CHANGED",),
                                  without_namespaces=NATIVE_LIBC),
    "python_fs_tricks": Attack("file view", forbidden=("MADE", "CHANGED"),
                               without_namespaces="covered: os.mkdir, os.setxattr and both paths of os.link (the "
                                                  "new one of os.symlink) are checked; os.mkfifo and os.mknod, which "
                                                  "raise no audit event, are wrapped"),
    "disk_fill_workdir": Attack("the working folder is a tmpfs of its own, 512 MB at most, paid for by the child's "
                                "memory cgroup: nothing reaches the host's disk (see "
                                "test_disk_use_of_the_working_folder_is_capped)",
                                without_namespaces="skip: the same as with namespaces; not repeated"),
    # -- processes ---------------------------------------------------------------
    "libc_fork_daemon": Attack("PID namespace: its init's death kills every process in it",
                               without_namespaces=NATIVE_DAEMON),
    "setsid_double_fork": Attack("PID namespace", without_namespaces=NATIVE_DAEMON),
    "posixsubprocess_fork_exec": Attack("PID namespace + file view + network namespace (a fresh interpreter has "
                                        "no audit hook)",
                                        without_namespaces="native: _posixsubprocess.fork_exec raises no audit "
                                                           "event (docs/security.md)"),
    "import_time_daemon": Attack("PID namespace", loses=NOTHING, without_namespaces=SAME_DAEMON),
    "exit_pid_ns_init": Attack("PID namespace: the harness is what init waits for; when it exits, all go",
                               says="exited with code 0", without_namespaces=SAME_DAEMON),
    "hang_with_daemon": Attack("grader's timeout: SIGKILL to bubblewrap, the namespace dies (signals ignored "
                               "and blocked do not matter)", says="did not finish within",
                               without_namespaces=SAME_DAEMON),
    "threads_left_running": Attack("threads end with their process; the PID namespace", without_namespaces=NATIVE_LIBC),
    "fork_bomb": Attack("RLIMIT_NPROC on the child's own uid + pids cgroup + PID namespace", evidence=("PROCESSES",),
                        without_namespaces="unsafe: as root without namespaces RLIMIT_NPROC is not set"),
    "atexit_and_os_exit": Attack("SIGKILL runs no handler; the harness is restarted", says="exited with code 3"),
    "systemexit_in_function": Attack("the harness catches BaseException from student code", others="pass"),
    # -- signals and other processes ----------------------------------------------
    "pidfd_kill_parent": Attack("the guard refuses pidfd_open/pidfd_send_signal (no audit event: replaced); "
                                "PID namespace: the parent is the namespace's init, root, another uid",
                                evidence=("does not allow signalling other processes (pidfd)",),
                                without_namespaces="unsafe: kills the grader, here the test runner (see "
                                                   "test_cli_without_namespaces[pidfd_kill_parent])"),
    "libc_kill_everything": Attack("PID namespace + uid: kill(-1) reaches only its own namespace",
                                   without_namespaces="unsafe: as root, kill(-1, SIGKILL) ends every process on "
                                                      "the machine"),
    "kill_init_in_ns": Attack("PID namespace: init ignores signals from inside, and runs as another uid",
                              forbidden=("SENT",), evidence=("Operation not permitted",)),
    "ptrace_parent": Attack("seccomp (ptrace, process_vm_readv) + uid", forbidden=("ALLOWED", "OPENED"),
                            evidence=("Operation not permitted",),
                            without_namespaces="unsafe: would PTRACE_ATTACH the test runner"),
    "mount_unshare": Attack("seccomp (mount, umount2, unshare, setns, pivot_root, chroot) + uid",
                            forbidden=("ALLOWED",), evidence=("Operation not permitted",),
                            without_namespaces="unsafe: as root it would mount on the machine"),
    "userns_clone": Attack("seccomp: clone() with a namespace flag, the new mount API and io_uring fail with "
                           "EPERM, clone3() with ENOSYS (see test_seccomp_refuses_new_namespaces)",
                           without_namespaces="unsafe: as root it would create namespaces on the machine"),
    "raise_rlimits": Attack("uid drop: no CAP_SYS_RESOURCE, so no hard limit goes up; setuid(0) fails",
                            forbidden=("RAISED!", "ROOT!"), evidence=("held",),
                            without_namespaces="native: without namespaces the child keeps root's uid and may "
                                               "raise its limits"),
    # -- network -------------------------------------------------------------------
    "libc_tcp_connect": Attack("network namespace: its own loopback, where nothing listens",
                               evidence=("Connection refused",), without_namespaces=NATIVE_LIBC),
    "libc_udp_sendto": Attack("network namespace: the datagram goes to the namespace's own loopback",
                              without_namespaces=NATIVE_LIBC),
    "python_socket": Attack("audit hook (connect, getaddrinfo) + network namespace (sendto, fast open)",
                            without_namespaces="covered: the hook refuses creating AF_INET/AF_INET6/AF_PACKET "
                                               "sockets (socket.__new__), so no sendto or fast open either"),
    # -- resources -----------------------------------------------------------------
    "memory_bomb_numpy": Attack("RLIMIT_AS", evidence=("MemoryError",), forbidden=("ALLOCATED", "MAPPED")),
    "memory_bomb_fork": Attack("memory cgroup (4 x 600 MB over one 2 GB cap)", evidence=("HOLDING",),
                               without_namespaces="unsafe: without a cgroup nothing caps the total: 2.4 GB "
                                                  "would really be held"),
    "bytearray_bomb": Attack("RLIMIT_AS", evidence=("MemoryError",)),
    "deep_recursion": Attack("process isolation: the segfault costs the call; the child is restarted",
                             says="segmentation fault"),
    "stdout_flood": Attack("output capture capped (64 KiB each)", max_stdout=64 * 1024 + 200),
    # -- the answer channel ----------------------------------------------------------
    "forged_frames_all_fds": Attack("wire: a frame out of turn (wrong id) is a protocol error; the child is "
                                    "restarted", says="did not ask for"),
    "wire_memory_write": Attack("wire: a bad frame is a protocol error; the child is restarted",
                                says="private channel"),
    "wire_flood_grader_memory": Attack("the wire's budget: call reports may carry 64 MB a request, and a frame "
                                       "over it is refused before its arrays are read (see "
                                       "test_grader_memory_is_bounded_against_the_wire)", says="call reports",
                                       without_namespaces="skip: the same as with namespaces; not repeated"),
    "forged_spy_events": Attack("nothing: the grader takes spy events from the child as facts", loses=PART4,
                                hole="the grader accepts 'spy_call' events the child writes itself, so f_of_g "
                                     "gets the credit for using Composition without calling it",
                                without_namespaces="hole: the same as with namespaces"),
    "lying_eq_subclass": Attack("wire: exact types only, subclasses described, never pickled"),
    "monkeypatch_numpy": Attack("wire: verdicts are computed in the grader", others="bounded"),
    "module_state_cheat": Attack("module state restored before every call; verdicts in the grader"),
}


# -- the arena: canaries, listener, process scan ----------------------------------------------------------------

class Listener:
    """A TCP listener and a UDP socket on 127.0.0.1, same port, recording whatever arrives."""

    def __init__(self) -> None:
        for _ in range(50):
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.tcp.bind(("127.0.0.1", 0))
            self.port = self.tcp.getsockname()[1]
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.udp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.tcp.close()
                self.udp.close()
        self.tcp.listen(64)
        self.received: list[str] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self.tcp, self.udp], [], [], 0.05)
            for sock in ready:
                if sock is self.udp:
                    data, peer = self.udp.recvfrom(65536)
                    self.received.append(f"udp from {peer}: {data[:60]!r}")
                else:
                    connection, peer = self.tcp.accept()
                    connection.settimeout(0.2)
                    try:
                        data = connection.recv(200)
                    except OSError:
                        data = b""
                    connection.close()
                    self.received.append(f"tcp from {peer}: {data[:60]!r}")

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        self.tcp.close()
        self.udp.close()


def running(marker: str) -> list[int]:
    """Live (not zombie) processes whose name or arguments carry the marker."""
    found = []
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_bytes()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if needle in comm + cmdline and state not in ("Z", "X"):
            found.append(int(entry))
    return found


def survivors(marker: str, wait: float = 2.0) -> list[int]:
    """What is still running after ``wait`` seconds (the kernel may take a moment to kill a namespace)."""
    deadline = time.monotonic() + wait
    while True:
        found = running(marker)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def snapshot(*roots: Path) -> dict[str, Any]:
    """Every entry under the roots: kind, bytes, mode, owner, times, extended attributes."""
    seen: dict[str, Any] = {}
    for root in roots:
        for folder, folders, files in os.walk(root):
            for name in [*folders, *files]:
                path = os.path.join(folder, name)
                info = os.lstat(path)
                content = None
                if stat.S_ISREG(info.st_mode):
                    content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                elif stat.S_ISLNK(info.st_mode):
                    content = os.readlink(path)
                try:
                    attributes = sorted(os.listxattr(path, follow_symlinks=False))
                except OSError:
                    attributes = []
                seen[path] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid,
                              info.st_mtime_ns, content, attributes)
    return seen


@dataclass
class Arena:
    token: str
    root: Path
    """A world-readable folder holding the course, the submissions and the cache."""
    private: Path
    """The test's own folder (tmp_path, 0700)."""
    course: Path
    folder: Path
    """The submissions' folder, holding a classmate's file."""
    cache: Path
    listener: Listener
    grader_pid: int

    @property
    def marker(self) -> str:
        return f"atk-{self.token}"

    @property
    def secret(self) -> str:
        return f"secret-{self.token}"

    def canaries(self) -> list[Path]:
        name = f"canary-{self.token}"
        return [self.root / name, self.private / name, self.course / name, self.cache / name, self.folder / name,
                Path(tempfile.gettempdir()) / f"grade-canary-{self.token}", Path("/tmp") / f"grade-canary-{self.token}",
                Path("/dev/shm") / f"grade-canary-{self.token}", Path("/var/tmp") / f"grade-canary-{self.token}",
                Path("/root") / self.token]

    def strays(self) -> list[Path]:
        """Everything an attack may have left outside: canaries (and their -fifo, -link... siblings), leaks."""
        leaks = [Path(folder) / f"grade-leak-{self.token}" for folder in ("/tmp", "/dev/shm", "/var/tmp",
                                                                            tempfile.gettempdir())]
        found = []
        for path in [*self.canaries(), *leaks]:
            if path.parent.is_dir():
                found += [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
        return sorted(set(found))

    def source(self, name: str, *, grader_pid: int | None = None, flood_mb: int = 512) -> str:
        text = attack_text(name)
        values = {"TOKEN": self.token, "PORT": str(self.listener.port), "COURSE": str(self.course),
                  "CHECKOUT": str(REPO), "FOLDER": str(self.folder), "CACHE": str(self.cache),
                  "GRADER_PID": str(self.grader_pid if grader_pid is None else grader_pid), "PROTECT": str(os.getpid()),
                  "CANARIES": repr([str(path) for path in self.canaries()]), "FLOOD_MB": str(flood_mb)}
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        assert not re.search(r"@[A-Z_]+@", text), "a placeholder the test does not fill"
        return text

    def submission(self, name: str, **kwargs: Any) -> Path:
        path = self.folder / f"homework2_affine_{name}.py"
        path.write_text(self.source(name, **kwargs))
        return path

    def watched(self) -> dict[str, Any]:
        return snapshot(self.root, self.private)

    def cleanup(self) -> None:
        """After the verdict: end what survived (by pid), remove what was left outside."""
        for pid in running(self.marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        libc = ctypes.CDLL(None, use_errno=True)
        segment = libc.shmget(0x41000000 | int(self.token[:6], 16), 0, 0)  # leak_writer's, without namespaces
        if segment >= 0:
            libc.shmctl(segment, 0, None)  # IPC_RMID
        for path in self.strays():
            if path.is_dir() and not path.is_symlink():
                for child in sorted(path.rglob("*"), reverse=True):
                    child.unlink() if not child.is_dir() or child.is_symlink() else child.rmdir()
                path.rmdir()
            else:
                path.unlink(missing_ok=True)


def make_course(folder: Path) -> Path:
    """A copy of the course (assignments, references, dataset manifests) with the checkout's permissions, and
    2 s calls and imports for hw2_affine (the course's own: 10 s)."""
    for name in ("assignments", "reference", "datasets"):
        shutil.copytree(REPO / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = folder / "assignments" / "hw2_affine" / "assignment.toml"
    text = manifest.read_text()
    for key in ("call_seconds", "import_seconds"):
        text = text.replace(f"{key} = 10", f"{key} = {CALL_SECONDS}")
    manifest.write_text(text)
    return folder


@pytest.fixture
def arena(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Everything an attack aims at, in a folder anyone may read, as a course checkout and a folder of
    submissions usually are: pytest's own temporary folders are private (0700), which would hide them from an
    unprivileged child whatever the sandbox did."""
    token = uuid.uuid4().hex[:8]
    root = Path(tempfile.mkdtemp(prefix=f"grade-attack-{token}-"))
    root.chmod(0o755)
    try:
        course = make_course(root / "course")
        folder = root / "submissions"
        folder.mkdir()
        (folder / "homework2_affine_classmate.py").write_text(f"# classmate-{token}\n" + REFERENCE.read_text())
        cache = root / "cache"
        (cache / "mnist").mkdir(parents=True)
        for path in (cache / "mnist" / "test-labels.npy", cache / "test-labels.npy"):
            path.write_bytes(f"labels-{token}".encode())
        monkeypatch.setenv("GRADER_COURSE_DIR", str(course))
        monkeypatch.setenv("GRADER_DATA_DIR", str(cache))
        monkeypatch.setenv("GRADE_ATTACK_SECRET", f"secret-{token}")
        listener = Listener()
        arena = Arena(token, root, tmp_path, course, folder, cache, listener, os.getpid())
        try:
            yield arena
        finally:
            arena.cleanup()
            listener.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def without_namespaces_level() -> str:
    """The level this machine gives when bubblewrap cannot be found (``uid`` as root where other users may read
    the Python runtime, else ``python-hook``)."""
    isolation.probe.cache_clear()
    try:
        return isolation.probe().level
    finally:
        isolation.probe.cache_clear()


@pytest.fixture
def no_namespaces(monkeypatch: pytest.MonkeyPatch):
    """A student's laptop: no namespaces (bubblewrap nowhere to be found) and not root, so no uid of the
    child's own: level ``python-hook``, the weakest the grader runs at. (The tests run as root, so the child
    really is root here: the attacks that would hit the machine are skipped, and hold back by themselves. A
    real root grader without namespaces or a readable runtime refuses to grade: test_isolation.py.)"""
    monkeypatch.setenv(bubblewrap.BWRAP_ENV, "/nonexistent")
    monkeypatch.setattr(isolation, "is_root", lambda: False)
    isolation.probe.cache_clear()
    yield
    monkeypatch.delenv(bubblewrap.BWRAP_ENV)
    isolation.probe.cache_clear()


# -- grading and the verdict ----------------------------------------------------------------------------------------

@dataclass
class Graded:
    name: str
    report: Any
    seconds: float
    stdout: str


def grade(path: Path, name: str) -> Graded:
    started = time.monotonic()
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    return Graded(name, report, time.monotonic() - started, report.stdout)


def problems(arena: Arena, attack: Attack, graded: Graded, before: dict[str, Any], *, level: str) -> list[str]:
    """Every invariant the attack broke (empty: it got nowhere)."""
    report, found = graded.report, []
    if report.isolation != level:
        found.append(f"graded at level {report.isolation}, not {level}")
    if report.internal_errors:
        found.append(f"internal errors: {report.internal_errors}")
    for test in report.tests:
        if test.score > test.max_score:
            found.append(f"item {test.number} scored {test.score} > {test.max_score}")
        elif test.number in attack.loses and test.score != 0:
            found.append(f"item {test.number} earned {test.score} it did not earn: {test.output[:200]}")
        elif test.number not in attack.loses and attack.others == "pass" and test.status != "passed":
            found.append(f"item {test.number} lost its honest points: {test.output[:200]}")
    if graded.seconds > GRADING_SECONDS:
        found.append(f"grading took {graded.seconds:.1f} s")
    alive = survivors(arena.marker, wait=2.0 if level == "namespaces" else 0.5)
    if alive:
        found.append(f"still running: {alive}")
    strays = arena.strays()
    if strays:
        found.append(f"written outside the working folder: {[str(p) for p in strays]}")
    after = arena.watched()
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    if changed:
        found.append(f"changed outside the working folder: {changed[:10]}")
    copy = f"{module_name(f'homework2_affine_{graded.name}.py')}.py"
    left = [path for pattern in (f"grade-*/{copy}", f"grade-*/*/{copy}")
            for path in Path(tempfile.gettempdir()).glob(pattern) if arena.root not in path.parents]
    if left:
        found.append(f"the working folder was left behind: {left}")
    if arena.listener.received:
        found.append(f"the listener received: {arena.listener.received[:5]}")
    feedback = " ".join(test.output for test in report.tests) + " ".join(report.notes)
    for text in attack.forbidden:
        text = text.replace("@TOKEN@", arena.token)
        if text in graded.stdout or text in feedback:
            line = next((line for line in (graded.stdout + feedback).splitlines() if text in line), "")
            found.append(f"{text!r} in its output or feedback: {line[:300]}")
    if attack.max_stdout is not None and len(graded.stdout) > attack.max_stdout:
        found.append(f"{len(graded.stdout)} bytes of output kept")
    if attack.says:
        if attack.says not in feedback:
            found.append(f"{attack.says!r} not in the feedback: {feedback[:300]} ... {feedback[-400:]}")
    return found


def run(arena: Arena, name: str, *, level: str, **kwargs: Any) -> tuple[Graded, list[str]]:
    path = arena.submission(name, **kwargs)
    before = arena.watched()
    graded = grade(path, name)
    return graded, problems(arena, TABLE[name], graded, before, level=level)


def _marks(attack: Attack) -> list[Any]:
    return [pytest.mark.xfail(strict=True, reason=f"HOLE: {attack.hole}")] if attack.hole else []


@pytest.mark.parametrize("name", [pytest.param(name, marks=_marks(attack)) for name, attack in sorted(TABLE.items())])
def test_attack_with_namespaces(arena: Arena, name: str) -> None:
    attack = TABLE[name]
    graded, found = run(arena, name, level="namespaces")
    assert not found, "\n".join(found) + f"\n--- stdout ---\n{graded.stdout[:3000]}"
    for text in attack.evidence:
        assert text in graded.stdout, (text, graded.stdout[:3000])


def _hook_param(name: str, attack: Attack) -> Any:
    kind, _, why = attack.without_namespaces.partition(":")
    if kind in ("unsafe", "skip"):
        return pytest.param(name, marks=pytest.mark.skip(reason=why.strip()))
    if kind == "native":
        return pytest.param(name, marks=pytest.mark.xfail(strict=False, reason=why.strip()))
    if kind == "hole":
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"HOLE (python-hook): {why.strip()}"))
    assert kind == "covered", attack.without_namespaces
    return name


@pytest.mark.parametrize("name", [_hook_param(name, attack) for name, attack in sorted(TABLE.items())])
def test_attack_without_namespaces(arena: Arena, no_namespaces: None, name: str) -> None:
    graded, found = run(arena, name, level="python-hook")
    assert not found, "\n".join(found) + f"\n--- stdout ---\n{graded.stdout[:3000]}"


# -- attacks that need more than one grading or their own measure -----------------------------------------------------

def _leak(arena: Arena, level: str) -> list[str]:
    writer, reader = Attack("", forbidden=()), Attack("", forbidden=(f"leaked-atk-{arena.token}",))
    paths = [arena.submission("leak_writer"), arena.submission("leak_reader")]
    before = arena.watched()
    first = grade(paths[0], "leak_writer")
    found = problems(arena, writer, first, before, level=level)
    second = grade(paths[1], "leak_reader")
    found += problems(arena, reader, second, before, level=level)
    return found + ([] if "look" in second.stdout else ["the reader did not run"])


def test_no_leak_between_submissions(arena: Arena) -> None:
    """/tmp, /dev/shm, the folder above the working folder, SysV shared memory and abstract unix sockets are
    private to each child (mount, IPC and network namespaces); the working folder is removed."""
    found = _leak(arena, "namespaces")
    assert not found, "\n".join(found)


@pytest.mark.xfail(strict=False, reason="native: without namespaces /tmp, /dev/shm, SysV IPC and abstract sockets "
                                        "are the machine's, and libc writes there raise no audit event")
def test_no_leak_between_submissions_without_namespaces(arena: Arena, no_namespaces: None) -> None:
    found = _leak(arena, "python-hook")
    assert not found, "\n".join(found)


def test_grader_memory_is_bounded_against_the_wire(arena: Arena) -> None:
    def rss() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    base, peak, done = rss(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        graded, found = run(arena, "wire_flood_grader_memory", level="namespaces", flood_mb=1024)
    finally:
        done.set()
        sampler.join()
    assert not found, "\n".join(found)
    sent = sum(int(n) for n in re.findall(r"sent (\d+) MB", graded.stdout)[-1:])
    grown = peak[0] - base
    assert grown < 256 << 20, f"the grader grew by {grown >> 20} MB; the child sent {sent} MB in {CALL_SECONDS} s"


def test_disk_use_of_the_working_folder_is_capped(arena: Arena) -> None:
    graded, found = run(arena, "disk_fill_workdir", level="namespaces")
    assert not found, "\n".join(found)
    allocated = int(re.search(r"ALLOCATED (\d+)", graded.stdout).group(1))  # type: ignore[union-attr]
    assert allocated <= WORK_BYTES, f"the child allocated {allocated / 2**30:.1f} GiB"


def test_seccomp_refuses_new_namespaces(arena: Arena) -> None:
    graded, found = run(arena, "userns_clone", level="namespaces")
    assert not found, "\n".join(found)
    assert "NEWUSERNS" not in graded.stdout, graded.stdout[:2000]


def test_fork_bomb_and_memory_caps_held(arena: Arena) -> None:
    """The numbers behind two rows of the table: at most 128 tasks, at most 2 GB for the whole tree (never
    more than three of the four 600 MB children hold theirs at once)."""
    if os.geteuid() != 0:
        pytest.xfail("a grader that is not root gives its child neither a uid of its own (RLIMIT_NPROC) nor a "
                     "cgroup: nothing caps its processes or their total memory (the bomb holds back at 300)")
    graded, found = run(arena, "fork_bomb", level="namespaces")
    assert not found, "\n".join(found)
    counts = [int(n) for n in re.findall(r"PROCESSES (\d+)", graded.stdout)]
    assert counts and max(counts) <= 130, graded.stdout[:1000]
    graded, found = run(arena, "memory_bomb_fork", level="namespaces")
    assert not found, "\n".join(found)
    held = re.search(r"HOLDING (\d+) KILLED (\d+)", graded.stdout)
    assert held is not None, graded.stdout[:1000]
    holding = int(held.group(1))  # how many were killed depends on timing; what is held at once does not
    assert holding * 600 <= 2048, graded.stdout[:1000]
    assert "cgroup" in graded.report.isolation_detail


# -- the command line --------------------------------------------------------------------------------------------------

def cli(arena: Arena, path: Path, *, cwd: Path | None = None, module: bool = False,
        extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "grader.cli"] if module else [str(CLI)]
    env = {**os.environ, "GRADER_COURSE_DIR": str(arena.course), **(extra_env or {})}
    return subprocess.run([*command, "submit", str(path), "--json", "-"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=cwd or arena.private)


def cli_problems(arena: Arena, name: str, done: subprocess.CompletedProcess[str], before: dict[str, Any],
                 loses: frozenset[str] = PART8) -> list[str]:
    found = []
    if done.returncode != 0:
        return [f"grade exited with status {done.returncode}: {done.stderr[-1500:]}"]
    result = json.loads(done.stdout)
    for test in result["tests"]:
        if test["score"] > test["max_score"] or (test["number"] in loses and test["score"] != 0):
            found.append(f"item {test['number']} scored {test['score']}")
    alive = survivors(arena.marker)
    if alive:
        found.append(f"still running: {alive}")
    if arena.strays():
        found.append(f"written outside: {arena.strays()}")
    after = arena.watched()
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if changed:
        found.append(f"changed outside: {changed[:10]}")
    if arena.listener.received:
        found.append(f"the listener received: {arena.listener.received[:5]}")
    if f"secret-{arena.token}" in done.stdout:
        found.append("the grader's secret is in the result")
    return found


@pytest.mark.parametrize("name", ["pidfd_kill_parent", "libc_kill_everything", "fork_bomb", "forged_frames_all_fds",
                                  "environment_secrets"])
def test_cli_exits_zero_with_valid_json(arena: Arena, name: str) -> None:
    path = arena.submission(name, grader_pid=0)  # the CLI's pid is not known in advance
    before = arena.watched()
    done = cli(arena, path, extra_env={"GRADE_ATTACK_SECRET": arena.secret})
    found = cli_problems(arena, name, done, before)
    assert not found, "\n".join(found)
    assert json.loads(done.stdout)["isolation"] == "namespaces"


CLI_HOLES = {
    "pidfd_kill_parent": "native (python-hook): the guard replaces os.pidfd_open and signal.pidfd_send_signal, but "
                         "the same system calls through ctypes kill the grader (no result at all)",
    "environment_secrets": "native (python-hook): Python's open('/proc/<ppid>/environ') is refused, libc's is not: "
                           "the grader's environment (here GRADE_ATTACK_SECRET) is printed back to the student",
}


@pytest.mark.parametrize("name", sorted(CLI_HOLES))
def test_cli_without_namespaces(arena: Arena, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The real `grade` process as the target. At the ``uid`` level the child's own uid stops both; a root
    grader that could only run the child as root refuses to grade (exit 2, no student code run); at
    ``python-hook`` as a user nothing stops them (an expected failure, checked so that a fix shows up)."""
    monkeypatch.setenv(bubblewrap.BWRAP_ENV, "/nonexistent")
    isolation.probe.cache_clear()
    refused = isolation.probe().refuse
    isolation.probe.cache_clear()
    level = without_namespaces_level()
    path = arena.submission(name, grader_pid=0)
    before = arena.watched()
    done = cli(arena, path, extra_env={"GRADE_ATTACK_SECRET": arena.secret})
    if refused is not None:
        assert done.returncode == 2 and "student code would run as root" in done.stderr + done.stdout
        assert not survivors(arena.marker) and not arena.strays() and arena.watched() == before
        return
    found = cli_problems(arena, name, done, before)
    if level != "python-hook":
        assert not found, "\n".join(found)
    elif found:
        pytest.xfail(f"{CLI_HOLES[name]}; seen: {found[0][:300]}")
    else:
        pytest.fail(f"the python-hook level stopped {name}: the hole is fixed, update CLI_HOLES")


@pytest.mark.parametrize("where, name", [
    pytest.param("course", "libc_read_reference", id="from-the-course-folder"),
    pytest.param("submissions", "classmate_files", id="from-the-submissions-folder"),
    pytest.param("above", "libc_read_reference", id="from-the-folder-above"),
])
def test_cli_run_from_a_folder_keeps_it_out_of_reach(arena: Arena, where: str, name: str) -> None:
    cwd = {"course": arena.course, "submissions": arena.folder, "above": arena.root}[where]
    path = arena.submission(name)
    before = arena.watched()
    done = cli(arena, path, cwd=cwd, module=True)
    found = cli_problems(arena, name, done, before)
    assert not found, "\n".join(found)
