"""Children forked from a warm zygote (how a batch worker grades) are kept as
apart as freshly started ones: each its own uid, session, folder, seccomp
filter and limits; nothing one leaves behind (processes, files) reaches the
next; none can reach the zygote's control socket; a hang, a crash or a dead
zygote costs one submission only."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from course_files import REPO
from grader import assignments
from grader.grading import grade_submission
from grader.sandbox import Limits, SubprocessSession, isolation
from grader.sandbox.forking import ZygotePool

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
HW = assignments.get("hw2_affine")
AVAILABLE = isolation.probe()
pytestmark = pytest.mark.skipif(not (AVAILABLE.level == "namespaces" and AVAILABLE.root),
                                reason="zygotes need namespaces as root (a uid per child): "
                                       f"{AVAILABLE.detail}")

PROBE = '''
import ctypes, os, time

def look(previous=""):
    def writable(folder):
        try:
            with open(os.path.join(folder, "left-by-a-classmate"), "w") as handle:
                handle.write("x")
            return True
        except OSError:
            return False
    others = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            uid = int([l for l in open(f"/proc/{pid}/status") if l.startswith("Uid:")][0].split()[1])
        except (OSError, IndexError):
            continue
        if uid not in (0, os.getuid()):
            others.append((pid, uid))
    libc = ctypes.CDLL(None, use_errno=True)
    return {"uid": os.getuid(), "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
            "others": others, "tmp": writable("/tmp"), "shm": writable("/dev/shm"),
            "unshare": libc.unshare(0x20000), "errno": ctypes.get_errno(),
            "status": [l.split()[1] for l in open("/proc/self/status") if l.startswith(("NoNewPrivs", "Seccomp:"))],
            "cwd": os.getcwd(), "parent_listable": _listable(os.path.dirname(os.getcwd())),
            "previous_exists": bool(previous) and os.path.exists(previous),
            "big_write": _fill(os.path.join(os.getcwd(), "fill.bin"))}

def _fill(path):
    """How many MB the working folder takes before it is full."""
    written = 0
    try:
        with open(path, "wb") as handle:
            block = b"x" * (1 << 20)
            while written < 4096:
                handle.write(block)
                handle.flush()
                written += 1
    except OSError:
        pass
    finally:
        if os.path.exists(path):
            os.remove(path)
    return written

def _listable(folder):
    try:
        os.listdir(folder)
        return True
    except OSError:
        return False

def leave_a_daemon():
    """fork through libc (the audit hook sees no os.fork), new session, and
    stay: a process that would outlive the submission."""
    libc = ctypes.CDLL(None)
    pid = libc.fork()
    if pid == 0:
        libc.setsid()
        time.sleep(60)
        os._exit(0)
    return pid

def hang():
    while True:
        pass

def allocate():
    import numpy as np
    return float(np.ones(50 * 2**30 // 8).sum())
'''


@pytest.fixture
def pool():
    zygotes = ZygotePool()
    yield zygotes
    zygotes.close()


def session(path: Path, pool: ZygotePool, **limits: float) -> SubprocessSession:
    return SubprocessSession(path, module_name=path.stem, limits=Limits(**limits), isolation="strict",  # type: ignore[arg-type]
                             zygotes=pool)


def probe_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"homework2_affine_{name}.py"
    path.write_text(REFERENCE.read_text() + PROBE)
    return path


def test_children_of_one_zygote_share_nothing(tmp_path, pool):
    first, second = probe_file(tmp_path, "first"), probe_file(tmp_path, "second")
    with session(first, pool) as one:
        assert one.load().ok
        seen_first = one.call("look").value
        assert one.call("leave_a_daemon").ok
        folder = seen_first["cwd"]
    with session(second, pool) as two:
        assert two.load().ok
        seen = two.call("look", folder).value
    assert not seen["previous_exists"], "the first child's folder outlived its session"
    assert seen["big_write"] <= 512 and seen_first["big_write"] <= 512, "the working folder is not size-capped"
    assert not Path(folder).exists(), "a child's folder appeared on the host"
    zygote_pids = {zygote.process.pid for zygote in pool._zygotes.values()}
    assert len(zygote_pids) == 1, "the two children did not come from one zygote"
    assert seen["uid"] != seen_first["uid"] and 0 not in (seen["uid"], seen_first["uid"])
    assert seen["others"] == [], f"a process of another child is still alive: {seen['others']}"
    assert seen["fds"][:5] == [0, 1, 2, 3, 4] and len(seen["fds"]) == 6, \
        f"the child holds descriptors beyond its own (the zygote's control socket?): {seen['fds']}"
    assert not seen["tmp"] and not seen["shm"], "a child can leave files where the next one could read them"
    assert seen["unshare"] == -1 and seen["errno"] == 1, "the seccomp filter is not applied after the fork"
    assert seen["status"] == ["1", "2"]  # no new privileges; seccomp filtering
    assert not seen["parent_listable"], "a child can list the other children's folders"


def test_a_hang_a_crash_and_too_much_memory_cost_one_call_each(tmp_path, pool):
    path = probe_file(tmp_path, "hostile")
    with session(path, pool, call_seconds=2) as child:
        assert child.load().ok
        started = time.monotonic()
        hung = child.call("hang")
        assert not hung.ok and hung.error is not None and hung.error.kind == "timeout"
        assert time.monotonic() - started < 5
        memory = child.call("allocate")
        assert not memory.ok and memory.error is not None and memory.error.exc_type == "MemoryError"
        assert child.call("look").ok  # restarted after the hang, from the same zygote
    report = grade_submission(path, assignment=HW, isolation="strict",
                              session_factory=lambda *a, **k: SubprocessSession(*a, **k, zygotes=pool))
    assert report.score == HW.points


def test_a_dead_zygote_is_replaced(tmp_path, pool):
    path = probe_file(tmp_path, "again")
    factory = lambda *a, **k: SubprocessSession(*a, **k, zygotes=pool)  # noqa: E731
    assert grade_submission(path, assignment=HW, isolation="strict", session_factory=factory).score == HW.points
    (zygote,) = pool._zygotes.values()
    os.killpg(zygote.process.pid, signal.SIGKILL)
    zygote.process.wait()
    report = grade_submission(path, assignment=HW, isolation="strict", session_factory=factory)
    assert report.score == HW.points and not report.internal_errors
    (replacement,) = pool._zygotes.values()
    assert replacement is not zygote and replacement.alive()


def test_grades_from_a_zygote_equal_grades_from_fresh_children(pool):
    from course_files import SUBMISSIONS

    factory = lambda *a, **k: SubprocessSession(*a, **k, zygotes=pool)  # noqa: E731
    for path in sorted((SUBMISSIONS / "hw2_affine").glob("*.py")):
        fresh = grade_submission(path, assignment=HW, isolation="strict")
        forked = grade_submission(path, assignment=HW, isolation="strict", session_factory=factory)
        assert [(t.number, t.score, t.status, t.output) for t in forked.tests] == \
               [(t.number, t.score, t.status, t.output) for t in fresh.tests], path.name
