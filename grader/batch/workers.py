"""A local batch's worker processes: how they start, grade one submission each (a grader failure
becomes that submission's result), and end. Workers run their children with one BLAS thread
each: N children each starting threads for every core only fight over the cores.

The workers, and the sandboxes they run, end with the batch: killed with it
(``kill -9`` included: the kernel's parent-death signal), or stopped by it
when it leaves by an exception (SIGTERM or Ctrl-C through the CLI), their
zygotes closed first. What was stored stays; a rerun grades the rest.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import multiprocessing.connection
import multiprocessing.util
import os
import shutil
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Iterator

from grader import assignments
from grader.assignments import Assignment
from grader.errors import UsageError
from grader.sandbox import SubprocessSession
from grader.sandbox.forking import ZygotePool

ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
STOP_SECONDS = 5.0
"""How long a stopping batch gives its workers to close their zygotes before it kills them."""
PR_SET_PDEATHSIG = 1
"""``prctl``'s option (linux/prctl.h): the signal this process gets when its parent ends."""

_ZYGOTES: ZygotePool | None = None
"""This worker's warm zygotes (a worker grades one submission at a time)."""


def _context() -> Any:
    """How workers start: by the batch process itself (forked, or spawned where a fork server is
    the default), so that it is their parent, what ``_init_worker`` ties them to."""
    context = multiprocessing.get_context()
    return multiprocessing.get_context("spawn") if context.get_start_method() == "forkserver" else context


def _init_worker(zygote: bool, batch: int) -> None:
    global _ZYGOTES
    _die_with(batch)
    signal.signal(signal.SIGTERM, _stop_worker)
    # Ctrl-C reaches the terminal's whole process group: the batch stops its workers itself.
    signal.signal(signal.SIGINT, lambda number, frame: None)
    for name in ONE_THREAD:
        os.environ[name] = "1"
    if zygote:
        _ZYGOTES = ZygotePool()
        multiprocessing.util.Finalize(None, _ZYGOTES.close, exitpriority=10)


def _die_with(batch: int) -> None:
    """End this worker when the batch process ``batch`` ends, however it ends (``kill -9``
    included), so that nothing it started grades on re-parented to init: on Linux the kernel sends
    SIGKILL (bubblewrap's ``--die-with-parent`` then takes the worker's sandboxes: the zygote and
    its children), elsewhere a thread watches. The kernel's signal is tied to the thread that forked
    the worker: the batch's thread that runs the pool (``runner._run``), which outlives it."""
    if not _parent_death_signal():
        threading.Thread(target=_watch, args=(batch,), daemon=True).start()
    if os.getppid() != batch:  # the batch ended before the signal was set: nothing would send it
        os._exit(1)


def _parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0), ctypes.c_ulong(0),
                          ctypes.c_ulong(0)) == 0
    except (OSError, AttributeError):
        return False


def _watch(batch: int) -> None:
    while os.getppid() == batch:
        time.sleep(1.0)
    _stop_worker(signal.SIGKILL, None)


def _stop_worker(number: int, frame: object) -> None:
    """SIGTERM from the stopping batch: close this worker's zygotes (their children, cgroups and
    folders with them), then end. What it was grading is graded by the rerun."""
    if _ZYGOTES is not None:
        _ZYGOTES.close()
    os._exit(128 + number)


def _grade_one(path: str, assignment_id: str, profile: str | None, data_dir: str | None,
               isolation: str, keep: str | None = None) -> tuple[dict[str, Any], float]:
    """One submission's result JSON (a grader failure becomes the result)."""
    from grader.grading import grade_submission

    started = time.perf_counter()
    assignment = assignments.get(assignment_id)
    if keep:
        shutil.rmtree(keep, ignore_errors=True)  # what an interrupted run kept of this submission
    try:
        report = grade_submission(path, assignment=assignment, profile=profile, data_dir=data_dir,
                                  isolation="strict" if isolation == "strict" else "auto",
                                  session_factory=functools.partial(SubprocessSession, zygotes=_ZYGOTES),
                                  keep=Path(keep) if keep else None)
        return report.to_json(), time.perf_counter() - started
    except UsageError:
        raise
    except Exception:  # a grader failure on one file must not stop the class
        return _failed(Path(path).name, assignment, traceback.format_exc()), time.perf_counter() - started


def _failed(file: str, assignment: Assignment, trace: str) -> dict[str, Any]:
    return {"schema_version": 1, "assignment": assignment.id, "submission": file, "score": 0.0,
            "max_score": assignment.points, "tests": [], "notes": [], "internal_errors": [trace[-4000:]],
            "output": "The grader failed on this submission (an internal error); it scores 0 until the course "
                      "staff look at it."}


@contextlib.contextmanager
def _stopping(pool: ProcessPoolExecutor) -> Iterator[None]:
    """Leaving the pool by an exception (SIGTERM or Ctrl-C through the CLI, a usage error): its
    workers end now, their sandboxes with them, instead of the pool waiting for what they grade."""
    try:
        yield
    except BaseException:
        _end_workers(pool)
        raise


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """SIGTERM each worker (it closes its zygotes and exits), SIGKILL those not gone in ``STOP_SECONDS``."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    for worker in workers:
        worker.terminate()
    waiting = {worker.sentinel: worker for worker in workers}
    deadline = time.monotonic() + STOP_SECONDS
    while waiting and (left := deadline - time.monotonic()) > 0:
        for ended in multiprocessing.connection.wait(list(waiting), left):
            waiting.pop(ended)
    for worker in waiting.values():
        worker.kill()
    pool.shutdown(wait=False, cancel_futures=True)
