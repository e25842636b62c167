"""Where a batch keeps its results: SQLite in WAL mode, one row per distinct
submission content (sha256 of the file's bytes), committed as each grade
completes. A batch killed at any moment (``kill -9`` included) loses nothing
that was stored, and its rerun grades only what is missing; a changed file
has a new hash and is graded again; identical files are graded once.

``results`` is a cache by content; ``submissions`` is what the folder held at
the last run (one row per graded file, replaced as a whole by each run), so the
``current`` view has one row per submission and a regrade supersedes the old
grade. ``manual`` holds the points graded by hand, keyed by student and item:
a batch run never writes it, so a rerun keeps them.

Schema versions: 1 (results), 2 (+ submissions, current, manual), 3 (+ the
worker that graded each result); an older store is upgraded in place when opened.

One command writes a batch's folder at a time (``locked``): a second
``grade batch`` on it, or a reader meeting a writer, is refused at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from grader.errors import UsageError

try:
    import fcntl
except ImportError:  # Windows: no flock, so no lock on the folder either
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    digest TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    seconds REAL NOT NULL,
    result TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    worker TEXT NOT NULL DEFAULT 'local'
);
CREATE TABLE IF NOT EXISTS submissions (
    file TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    students TEXT NOT NULL,
    user_id TEXT,
    sortable_name TEXT,
    late INTEGER NOT NULL,
    path TEXT NOT NULL
);
CREATE VIEW IF NOT EXISTS current AS
    SELECT s.file AS file, s.user_id AS user_id, s.students AS students, r.score AS score,
           r.max_score AS max_score, r.graded_at AS graded_at, s.digest AS digest
    FROM submissions s JOIN results r ON r.digest = s.digest;
CREATE TABLE IF NOT EXISTS manual (
    student TEXT NOT NULL,
    item TEXT NOT NULL,
    points REAL NOT NULL,
    comment TEXT NOT NULL,
    file TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    PRIMARY KEY (student, item)
);
"""


LOCK_FILE = ".grade-batch.lock"
"""In a batch's output folder: what ``locked`` holds an ``flock`` on."""
_HELD: dict[str, bool] = {}
"""The lock files this process holds: path -> exclusively."""


@contextlib.contextmanager
def locked(out: Path, *, command: str, shared: bool = False) -> Iterator[None]:
    """Hold ``out``'s lock while ``command`` (``grade batch``) writes the folder
    or, ``shared``, reads it: one writer at a time and no reader beside it (its
    class is half graded), else a ``UsageError`` at once naming the folder. An
    ``flock`` on ``LOCK_FILE``: the kernel lets go when the holder ends, however
    it ends (workers forked with the descriptor hold it while they live). A
    hold nested in one of this process's is that one."""
    path = str(out.resolve() / LOCK_FILE)
    if path in _HELD:
        assert _HELD[path] or shared, f"{path} is held shared, not exclusively"
        yield
        return
    if fcntl is None:
        yield
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UsageError(f"cannot lock {out} for {command}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        raise UsageError(f"{out} is in use by {holder}: run {command} again once it has finished"
                         + ("" if shared else ", or give another --out folder")) from None
    if not shared:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
    _HELD[path] = not shared
    try:
        yield
    finally:
        del _HELD[path]
        if not shared:
            os.ftruncate(fd, 0)
        os.close(fd)


def _holder(fd: int) -> str:
    """Who holds a lock this process was refused: the writer the file names while that pid lives
    (a reader writes nothing; a killed writer's line stays behind, stale)."""
    pid, _, command = os.pread(fd, 200, 0).decode(errors="replace").strip().partition(" ")
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return "another grade command"
    except PermissionError:
        pass
    return f"{command} (pid {pid})"


def digest(path: Path) -> str:
    """The content hash of a handed file, or of a folder's files and their
    paths (symbolic links not followed)."""
    if not path.is_dir():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    found = hashlib.sha256()
    for item in sorted(path.rglob("*")):
        if item.is_file() and not item.is_symlink():
            found.update(item.relative_to(path).as_posix().encode("utf-8") + b"\0")
            found.update(hashlib.sha256(item.read_bytes()).digest())
    return found.hexdigest()


@dataclass(frozen=True)
class Hand:
    """Points a TA gave one student for one item graded by hand."""

    points: float
    comment: str
    file: str
    """The submission they were given for (its file name)."""
    graded_at: str


@dataclass(frozen=True)
class Stored:
    digest: str
    file: str
    result: dict[str, Any]
    seconds: float
    worker: str = "local"


class ResultStore:
    """The results of one batch folder, for one assignment and profile."""

    def __init__(self, path: Path, *, assignment: str, profile: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if "worker" not in {row[1] for row in self._db.execute("PRAGMA table_info(results)")}:  # version 2 and older
            self._db.execute("ALTER TABLE results ADD COLUMN worker TEXT NOT NULL DEFAULT 'local'")
        wanted = {"assignment": assignment, "profile": profile}
        found = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if int(found.get("schema_version", SCHEMA_VERSION)) > SCHEMA_VERSION:
            raise UsageError(f"{path} was written by a newer grader (store schema {found['schema_version']}, this "
                             f"grader reads up to {SCHEMA_VERSION})")
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
        for key, value in wanted.items():
            if key in found and found[key] != value:
                raise UsageError(f"{path} holds a batch with {key} {found[key]!r}, not {value!r}: use another --out "
                                 "folder (or delete it to start over)")
        self._db.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", wanted.items())

    def done(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT digest FROM results")}

    def put(self, content: str, file: str, result: dict[str, Any], seconds: float, *, worker: str = "local") -> None:
        """Store one grade; committed before this returns."""
        self._db.execute(
            "INSERT OR REPLACE INTO results (digest, file, score, max_score, seconds, result, graded_at, worker) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (content, file, float(result.get("score", 0)), float(result.get("max_score", 0)), seconds,
             json.dumps(result), dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), worker))

    def get(self, content: str) -> Stored | None:
        row = self._db.execute("SELECT digest, file, result, seconds, worker FROM results WHERE digest = ?",
                               (content,)).fetchone()
        return Stored(row[0], row[1], json.loads(row[2]), row[3], row[4]) if row else None

    def all(self) -> Iterator[Stored]:
        for row in self._db.execute("SELECT digest, file, result, seconds, worker FROM results ORDER BY file"):
            yield Stored(row[0], row[1], json.loads(row[2]), row[3], row[4])

    def put_folder(self, submissions: list[dict[str, Any]], accounted: list[dict[str, Any]], folder: str) -> None:
        """What the batch folder holds now (``submissions`` rows: file, digest,
        students, user_id, sortable_name, late, path), replacing the last run's."""
        with self._transaction():
            self._db.execute("DELETE FROM submissions")
            self._db.executemany(
                "INSERT INTO submissions (file, digest, students, user_id, sortable_name, late, path) "
                "VALUES (:file, :digest, :students, :user_id, :sortable_name, :late, :path)",
                [{**row, "students": json.dumps(list(row["students"])), "late": int(bool(row["late"]))}
                 for row in submissions])
            self._db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 [("accounted", json.dumps(accounted)), ("folder", folder)])

    def folder(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str] | None:
        """The last run's ``put_folder``, in the folder's order; None before any run stored one."""
        meta = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN ('accounted', 'folder')"))
        if "folder" not in meta:
            return None
        found = [{"file": row[0], "digest": row[1], "students": tuple(json.loads(row[2])), "user_id": row[3],
                  "sortable_name": row[4], "late": bool(row[5]), "path": row[6]}
                 for row in self._db.execute("SELECT file, digest, students, user_id, sortable_name, late, path "
                                             "FROM submissions ORDER BY rowid")]
        return found, json.loads(meta["accounted"]), meta["folder"]

    def manual(self) -> dict[tuple[str, str], Hand]:
        """The points graded by hand: (student key, item name) -> points and comment."""
        return {(row[0], row[1]): Hand(row[2], row[3], row[4], row[5]) for row in self._db.execute(
            "SELECT student, item, points, comment, file, graded_at FROM manual")}

    def put_manual(self, grades: list[tuple[str, str, float, str, str]]) -> None:
        """Store (student key, item, points, comment, file) rows, all or none."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO manual (student, item, points, comment, file, graded_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", [(*grade, now) for grade in grades])

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()
