"""Grading a class: every submission in a folder, in parallel worker
processes, each file in its own sandboxed child, results stored as they
complete (``store``) so an interrupted batch resumes where it stopped.

One student's crash, hang or attack costs that submission only: a grader
error while grading it becomes that submission's result, and a worker that
dies is replaced. Workers run their children with one BLAS thread each: N
children each starting threads for every core only fight over the cores.

The workers, and the sandboxes they run, end with the batch: killed with it
(``kill -9`` included: the kernel's parent-death signal), or stopped by it
when it leaves by an exception (SIGTERM or Ctrl-C through the CLI), their
zygotes closed first. What was stored stays; a rerun grades the rest. A
batch holds its output folder's lock (``store.locked``) while it runs.
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
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from grader import assignments
from grader.assignments import Assignment
from grader.batch.store import ResultStore, digest, locked
from grader.errors import UsageError
from grader.identity import Identity, identify
from grader.sandbox import SubprocessSession
from grader.sandbox.forking import ZygotePool

WORKER_DEATHS = 2
"""A submission whose worker died this often while grading it alone is stored
as a grader failure instead of being tried again."""
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
STOP_SECONDS = 5.0
"""How long a stopping batch gives its workers to close their zygotes before it kills them."""
PR_SET_PDEATHSIG = 1
"""``prctl``'s option (linux/prctl.h): the signal this process gets when its parent ends."""


@dataclass(frozen=True)
class Submission:
    path: Path
    digest: str
    students: tuple[str, ...]
    """The logins the name gives (a team's members)."""
    user_id: str | None = None
    """The Canvas user id of a Canvas download name: the gradebook's ``ID``."""
    sortable_name: str | None = None
    late: bool = False


Status = Literal["graded", "superseded", "companion", "refused"]


@dataclass(frozen=True)
class Accounted:
    """What became of one entry of the batch folder: graded, superseded by a
    later file of the same student, kept with a student's graded file (the
    PDF), or refused with its reason. Every entry has one."""

    file: str
    status: Status
    reason: str = ""
    students: tuple[str, ...] = ()
    user_id: str | None = None
    late: bool = False


GRADABLE = (".py", ".ipynb", ".zip")
"""What the reader turns into a Python source (and folders)."""


@dataclass(frozen=True)
class BatchStarted:
    total: int
    """Distinct submissions (by content) in the folder."""
    files: int
    already: int
    """Already graded by an earlier run of this batch."""
    jobs: int


@dataclass(frozen=True)
class SubmissionGraded:
    file: str
    score: float
    max_score: float
    seconds: float
    failed: bool
    worker: str = "local"
    """Which worker graded it: ``local`` for the local engine, a Dask worker's name for ``--scheduler``."""


BatchEvent = Callable[[Any], None]


@dataclass
class Batch:
    """What a batch run found and did."""

    assignment: Assignment
    profile: str
    submissions: list[Submission]
    store: ResultStore
    out: Path | None = None
    """The batch's output folder (the files that came with each submission are kept under ``files/``)."""
    accounted: list[Accounted] = field(default_factory=list)
    """What became of every entry of the folder."""
    graded_now: list[str] = field(default_factory=list)
    """Digests graded by this run (the rest came from the store)."""
    seconds: float = 0.0


def collect(folder: Path, assignment: Assignment) -> tuple[list[Submission], list[Accounted]]:
    """The submissions of ``folder`` (its ``.py`` files, notebooks, zips and
    folders; Canvas download names parsed), and what
    became of every entry. Of one student's files (one Canvas user id, or one
    set of logins) the newest that fits the assignment's names is graded and
    the others are superseded; their other files (the PDF) go with it; the
    rest is refused, each with its reason."""
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    entries = sorted(folder.iterdir())
    if not entries:
        raise UsageError(f"{folder} is empty: nothing to grade")
    ids = {path: identify(assignment, path.name) for path in entries}

    def key(path: Path) -> tuple[str, ...] | None:
        found = ids[path]
        return ("canvas", found.user_id) if found.user_id else ("logins", *found.logins) if found.logins else None

    accounted: list[Accounted] = []
    candidates: dict[tuple[str, ...], list[Path]] = {}
    others: list[Path] = []
    for path in entries:
        found = ids[path]
        if path.name.startswith("."):
            accounted.append(_account(path, found, "refused", "a hidden file (a system's own, such as .DS_Store): "
                                      "not a submission"))
        elif found.canvas is not None and found.canvas.kind != "file":
            accounted.append(_account(path, found, "refused", f"a Canvas {found.canvas.kind} entry (the student "
                                      "typed or linked an answer instead of uploading a file): nothing to grade"))
        elif path.is_dir() or Path(found.name).suffix.lower() in GRADABLE:
            candidates.setdefault(key(path) or ("file", path.name), []).append(path)
        else:
            others.append(path)
    submissions = []
    for group in candidates.values():
        newest = max(group, key=lambda path: (ids[path].fits, ids[path].order, path.stat().st_mtime, path.name))
        found = ids[newest]
        submissions.append(Submission(newest, digest(newest), found.logins, found.user_id,
                                      found.canvas.sortable_name if found.canvas else None, found.late))
        accounted.append(_account(newest, found, "graded"))
        for path in group:
            if path != newest:
                accounted.append(_account(path, ids[path], "superseded", f"superseded by {newest.name}, a later "
                                          "file of the same student: only that one is graded"))
    graded = {key(s.path): s.path.name for s in submissions if key(s.path) is not None}
    for path in others:
        owner = graded.get(key(path)) if key(path) is not None else None
        if owner is not None:
            accounted.append(_account(path, ids[path], "companion", f"kept with {owner} (not Python: for the "
                                      "items graded by hand)"))
        else:
            suffix = Path(ids[path].name).suffix or "no extension"
            accounted.append(_account(path, ids[path], "refused", f"not a submission ({suffix}), and no "
                                      "Python file, notebook or zip of the same student is here"))
    order = {path.name: index for index, path in enumerate(entries)}
    submissions.sort(key=lambda s: order[s.path.name])
    accounted.sort(key=lambda a: order[a.file])
    return submissions, accounted


def _account(path: Path, found: Identity, status: Status, reason: str = "") -> Accounted:
    return Accounted(path.name, status, reason, found.logins, found.user_id, found.late)


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
    the worker: the batch's thread that runs the pool (``_run``), which outlives it."""
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


def grade_batch(folder: Path, *, assignment: Assignment, out: Path, jobs: int | None = None,
                profile: str | None = None, data_dir: Path | None = None, isolation: str = "strict",
                zygote: bool = True, progress: BatchEvent | None = None, scheduler: str | None = None) -> Batch:
    """Grade every submission in ``folder`` not already stored in ``out``, holding
    ``out``'s lock (another batch on it is refused). ``zygote``: fork each child
    from a warm zygote where the machine allows (``sandbox.forking``), rather
    than start each from nothing. ``scheduler``: grade on the Dask cluster at that
    address instead of local workers (``cluster``); the rest is the same."""
    started = time.perf_counter()
    chosen = assignment.profile(profile).name
    if scheduler is not None and data_dir is not None:
        raise UsageError("--data-dir names a folder of this machine; on a cluster each worker grades with its own "
                         "dataset cache (grade worker --data-dir DIR)")
    if isolation == "strict" and scheduler is None:
        from grader.sandbox import isolation as isolation_mode

        isolation_mode.choose("strict")  # refuse before anything starts
    submissions, accounted = collect(folder, assignment)
    with locked(out, command="grade batch"):
        store = ResultStore(out / "grades.sqlite", assignment=assignment.id, profile=chosen)
        store.put_folder([{"file": s.path.name, "digest": s.digest, "students": s.students, "user_id": s.user_id,
                           "sortable_name": s.sortable_name, "late": s.late, "path": str(s.path.resolve())}
                          for s in submissions],
                         [{"file": a.file, "status": a.status, "reason": a.reason, "students": list(a.students),
                           "user_id": a.user_id, "late": a.late} for a in accounted], str(folder.resolve()))
        done = store.done()
        todo: dict[str, Submission] = {}
        for submission in submissions:
            if submission.digest not in done and submission.digest not in todo:
                todo[submission.digest] = submission
        distinct = len({s.digest for s in submissions})
        jobs = max(1, jobs or os.cpu_count() or 1)
        notify = progress or (lambda event: None)
        notify(BatchStarted(distinct, len(submissions), distinct - len(todo), jobs))
        batch = Batch(assignment, chosen, submissions, store, out=out, accounted=accounted)
        pending = list(todo.values())
        if scheduler is not None and pending:  # on the cluster (not reached when all is stored already)
            from grader.batch import cluster

            cluster.grade(pending, batch, address=scheduler, profile=profile, isolation=isolation, notify=notify)
            pending = []
        suspects: list[Submission] = []
        deaths: Counter[str] = Counter()
        while pending or suspects:
            if not suspects:
                pending, lost = _run(pending, batch, jobs, profile, data_dir, isolation, zygote, notify)
                for submission in lost:  # being graded when a worker died: try each again alone
                    pending.remove(submission)
                    suspects.append(submission)
                continue
            suspect = suspects[0]
            _, lost = _run([suspect], batch, 1, profile, data_dir, isolation, zygote, notify)
            if lost:
                deaths[suspect.digest] += 1
                if deaths[suspect.digest] < WORKER_DEATHS:
                    continue
                _store(batch, suspect, _failed(suspect.path.name, assignment, (
                    f"the grading worker died {WORKER_DEATHS} times while this submission was being graded alone "
                    "(the grader's own process, not the sandboxed child)")), 0.0, notify)
            suspects.pop(0)
        batch.seconds = time.perf_counter() - started
        return batch


def open_batch(out: Path) -> Batch:
    """The batch last run into ``out``, from its store (nothing graded): for
    the commands that work on a graded class (hand-graded items, the gradebook).
    Refused while a file of it is not graded yet (a stopped batch: run it again)."""
    import sqlite3

    path = out / "grades.sqlite"
    if not path.is_file():
        raise UsageError(f"{out} holds no batch (no grades.sqlite): run grade batch DIR --assignment ID --out {out}")
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.OperationalError:  # only what grade similarity caches there
            meta = {}
    if "assignment" not in meta:
        raise UsageError(f"{out} holds no graded batch (grade similarity wrote there, grade batch did not): run "
                         f"grade batch DIR --assignment ID --out {out}")
    store = ResultStore(path, assignment=meta["assignment"], profile=meta["profile"])
    found = store.folder()
    if found is None:
        store.close()
        raise UsageError(f"{out} was graded by an older grader: run its grade batch again (it grades nothing "
                         "already stored) so the store records the class")
    rows, entries, _ = found
    submissions = [Submission(Path(row["path"]), row["digest"], tuple(row["students"]), row["user_id"],
                              row["sortable_name"], row["late"]) for row in rows]
    accounted = [Accounted(e["file"], e["status"], e["reason"], tuple(e["students"]), e["user_id"], e["late"])
                 for e in entries]
    done = store.done()
    missing = [s.path.name for s in submissions if s.digest not in done]
    if missing:
        store.close()
        raise UsageError(f"the batch in {out} was stopped before it graded every file ({len(missing)} of "
                         f"{len(submissions)} not graded, {missing[0]} first): run its grade batch again (it grades "
                         "only those)")
    return Batch(assignments.get(meta["assignment"]), meta["profile"], submissions, store, out=out,
                 accounted=accounted)


def _store(batch: Batch, submission: Submission, result: dict[str, Any], seconds: float,
           notify: BatchEvent, *, worker: str = "local") -> None:
    batch.store.put(submission.digest, submission.path.name, result, seconds, worker=worker)
    batch.graded_now.append(submission.digest)
    notify(SubmissionGraded(submission.path.name, float(result.get("score", 0)), float(result.get("max_score", 0)),
                            seconds, bool(result.get("internal_errors")), worker))


def _run(pending: list[Submission], batch: Batch, jobs: int, profile: str | None, data_dir: Path | None,
         isolation: str, zygote: bool, notify: BatchEvent) -> tuple[list[Submission], list[Submission]]:
    """Grade ``pending``. If the pool broke (a worker died), returns what is
    left and the submissions that were being graded when it did."""
    left = list(pending)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_init_worker,
                             initargs=(zygote, os.getpid())) as pool, _stopping(pool):
        running: dict[Future[tuple[dict[str, Any], float]], Submission] = {}
        while left or running:
            while left and len(running) < jobs * 2:
                submission = left.pop(0)
                keep = batch.out / "files" / submission.digest[:16] if batch.out else None
                running[pool.submit(_grade_one, str(submission.path), batch.assignment.id, profile,
                                    str(data_dir) if data_dir else None, isolation,
                                    str(keep) if keep else None)] = submission
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                submission = running.pop(future)
                try:
                    result, seconds = future.result()
                except BrokenProcessPool:
                    lost = [submission, *running.values()]
                    return [*lost, *left], lost
                _store(batch, submission, result, seconds, notify)
    return [], []


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
