"""Nothing one student leaves in System V or POSIX IPC reaches the next one
graded by the same worker: each child forked from a zygote is born in an IPC
namespace of its own, emptied when the child ends, so a segment or a queue
is neither read by a classmate nor left holding memory the classmate's grade
needs. A freshly started child (one bubblewrap per child) is held to the
same. The hostile student is ``tests/data/attacks/ipc_left_behind.py``."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from course_files import REPO
from grader import assignments
from grader.grading import grade_submission
from grader.progress import ItemStarted
from grader.sandbox import Limits, SubprocessSession, isolation
from grader.sandbox.forking import Zygote, ZygotePool

ATTACKS = Path(__file__).resolve().parents[1] / "data" / "attacks"
REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
HW = assignments.get("hw2_affine")
MB = 1 << 20
ALSO = {"fill": "a file in the working folder's tmpfs", "keep": "a memfd a daemon holds"}
"""What the hoarder may leave besides System V segments: its call, and what that leaves."""
AVAILABLE = isolation.probe()
pytestmark = pytest.mark.skipif(not (AVAILABLE.level == "namespaces" and AVAILABLE.root),
                                reason="zygotes need namespaces as root (a uid per child): "
                                       f"{AVAILABLE.detail}")


@pytest.fixture
def pool():
    zygotes = ZygotePool()
    yield zygotes
    zygotes.close()


def student(tmp_path: Path, name: str, tag: str) -> Path:
    """The attack file as a student hands it in: the honest reference, then the attack."""
    honest = (ATTACKS / "parts" / "honest.py").read_text()
    honest = honest[honest.index("from __future__ import annotations"):]
    text = (ATTACKS / "ipc_left_behind.py").read_text().replace("@HONEST@\n", honest, 1)
    path = tmp_path / f"homework2_affine_{name}.py"
    path.write_text(text.replace("@TAG@", tag))
    return path


def session(path: Path, pool: ZygotePool | None) -> SubprocessSession:
    return SubprocessSession(path, module_name=path.stem, limits=Limits(), isolation="strict", zygotes=pool)


def zygote_pids(pool: ZygotePool) -> set[int]:
    return {zygote.process.pid for zygote in pool._zygotes.values()}


def memory(zygote: Zygote) -> dict[str, int]:
    """The zygote cgroup's memory in MB: charged now, at its peak, and its limit (cgroup v2 or v1)."""
    if zygote.cgroup is None:
        pytest.skip("no memory cgroup for the zygote on this machine")
    for folder in zygote.cgroup.folders:
        for names in (("memory.current", "memory.peak", "memory.max"),
                      ("memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.limit_in_bytes")):
            if all((folder / name).is_file() for name in names):
                values = (int((folder / name).read_text()) // MB for name in names)
                return dict(zip(("now", "peak", "limit"), values))
    pytest.skip("the zygote's cgroup has no memory controller")


@pytest.mark.parametrize("forked", [True, False], ids=["zygote", "fresh"])
def test_what_one_student_leaves_in_ipc_the_next_one_cannot_find(tmp_path, pool, forked):
    tag = uuid.uuid4().hex[:12]
    zygotes = pool if forked else None
    with session(student(tmp_path, "first", tag), zygotes) as first:
        assert first.load().ok
        left: dict[str, Any] = first.call("leave").value
        pids = zygote_pids(pool)
    assert all(isinstance(left[kind], int) and left[kind] >= 0 for kind in ("shm", "msg", "mq")), \
        f"the attack itself failed, so it proves nothing: {left}"
    with session(student(tmp_path, "second", tag), zygotes) as second:
        assert second.load().ok
        found = second.call("look", left["cwd"]).value
    if forked:
        assert len(pids) == 1 and zygote_pids(pool) == pids, "the two students did not come from one zygote"
    print(f"\nleft by the first: {left}\nfound by the second: {found}")
    assert found == {}, f"the next student found what the first one left: {found}"


@pytest.mark.slow
@pytest.mark.parametrize("also", [(), ("fill", "keep")], ids=["segments", "segments-a-file-and-a-memfd"])
def test_memory_one_student_leaves_in_shared_memory_is_freed_before_the_next(tmp_path, pool, also):
    started = time.monotonic()
    handed: dict[str, Any] = {}

    def factory(*args: Any, **kwargs: Any) -> SubprocessSession:
        handed.update(kwargs)  # what grading gives a session: the hoarder's then has the same zygote
        return SubprocessSession(*args, **kwargs, zygotes=pool)

    next_one: list[int] = []

    def sample(event: object) -> None:
        if isinstance(event, ItemStarted) and not next_one:  # the next child runs, its file imported
            next_one.append(memory(zygote)["now"])

    assert grade_submission(REFERENCE, assignment=HW, isolation="strict", session_factory=factory).score == HW.points
    (zygote,) = pool._zygotes.values()
    baseline = memory(zygote)
    path = student(tmp_path, "hoarder", uuid.uuid4().hex[:12])
    with SubprocessSession(path, **dict(handed, module_name=path.stem), zygotes=pool) as hoarder:
        assert hoarder.load().ok
        for way in also:
            assert hoarder.call(way, 256).value == 256
        while (room := baseline["limit"] - memory(zygote)["now"]) > 320:
            assert hoarder.call("hoard", 256).value == 256
        left = memory(zygote)["now"] - baseline["now"]
        hoarder.call("hoard", room + 64)  # to the brim: the cgroup's OOM killer ends the hoarder, not its segments
        full = memory(zygote)["peak"]
    honest = grade_submission(REFERENCE, assignment=HW, isolation="strict", session_factory=factory, progress=sample)
    assert zygote_pids(pool) == {zygote.process.pid}, "the students did not all come from one zygote"
    deadline = time.monotonic() + 10
    while (after := memory(zygote)["now"]) > baseline["now"] + 16 and time.monotonic() < deadline:
        time.sleep(0.1)  # the honest child's own pages, freed as it dies
    lost = [(t.number, t.status, t.output[:120]) for t in honest.tests if t.score < t.max_score]
    ways = ", ".join(["System V segments", *map(ALSO.__getitem__, also)])
    print(f"\nzygote cgroup: limit {baseline['limit']} MB, baseline {baseline['now']} MB; {left} MB left in calls "
          f"({ways}), peak {full} MB; {next_one[0]} MB with the next student running, {after} MB after it; "
          f"it scored {honest.score} of {HW.points} {lost}; {time.monotonic() - started:.1f} s")
    assert full > baseline["limit"] - 64, "the attack did not fill the zygote's cgroup"
    assert next_one[0] < baseline["now"] + 64, "the hoarder's memory was still charged when the next student ran"
    assert honest.score == HW.points, lost
    assert after <= baseline["now"] + 16, "the zygote's cgroup did not return to its baseline"
