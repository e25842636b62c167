"""What a batch run is (``Batch``: what it found and did) and says as it runs (``BatchStarted``,
``SubmissionGraded``), and storing one result, by the same code for the local workers and the
cluster (``_store``); ``open_batch`` reopens a graded class from its store."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader import assignments
from grader.assignments import Assignment
from grader.batch.folder import Accounted, Submission
from grader.batch.store import ResultStore
from grader.errors import UsageError

WORKER_DEATHS = 2
"""A submission whose worker died this often while grading it alone is stored
as a grader failure instead of being tried again."""


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
