"""Grading a class: every submission in a folder (``folder.collect``), in parallel worker
processes (``workers``), each file in its own sandboxed child, results stored as they
complete (``store``) so an interrupted batch resumes where it stopped.

One student's crash, hang or attack costs that submission only: a grader
error while grading it becomes that submission's result, and a worker that
dies is replaced. A batch holds its output folder's lock (``store.locked``)
while it runs.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from grader.assignments import Assignment
from grader.batch.folder import Submission, collect
from grader.batch.record import WORKER_DEATHS, Batch, BatchEvent, BatchStarted, _store
from grader.batch.store import ResultStore, locked
from grader.batch.workers import _context, _failed, _grade_one, _init_worker, _stopping
from grader.errors import UsageError


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
