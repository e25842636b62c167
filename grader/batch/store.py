"""Where a batch keeps its results: SQLite in WAL mode, one row per distinct
submission content (sha256 of the file's bytes), committed as each grade
completes. A batch killed at any moment (``kill -9`` included) loses nothing
that was stored, and its rerun grades only what is missing; a changed file
has a new hash and is graded again; identical files are graded once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from grader.errors import UsageError

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    digest TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    seconds REAL NOT NULL,
    result TEXT NOT NULL,
    graded_at TEXT NOT NULL
);
"""


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
class Stored:
    digest: str
    file: str
    result: dict[str, Any]
    seconds: float


class ResultStore:
    """The results of one batch folder, for one assignment and profile."""

    def __init__(self, path: Path, *, assignment: str, profile: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        wanted = {"schema_version": str(SCHEMA_VERSION), "assignment": assignment, "profile": profile}
        found = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        for key, value in wanted.items():
            if key in found and found[key] != value:
                raise UsageError(f"{path} holds a batch with {key} {found[key]!r}, not {value!r}: use another --out "
                                 "folder (or delete it to start over)")
        self._db.executemany("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", wanted.items())

    def done(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT digest FROM results")}

    def put(self, content: str, file: str, result: dict[str, Any], seconds: float) -> None:
        """Store one grade; committed before this returns."""
        self._db.execute(
            "INSERT OR REPLACE INTO results (digest, file, score, max_score, seconds, result, graded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (content, file, float(result.get("score", 0)), float(result.get("max_score", 0)), seconds,
             json.dumps(result), dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))

    def get(self, content: str) -> Stored | None:
        row = self._db.execute("SELECT digest, file, result, seconds FROM results WHERE digest = ?",
                               (content,)).fetchone()
        return Stored(row[0], row[1], json.loads(row[2]), row[3]) if row else None

    def all(self) -> Iterator[Stored]:
        for row in self._db.execute("SELECT digest, file, result, seconds FROM results ORDER BY file"):
            yield Stored(row[0], row[1], json.loads(row[2]), row[3])

    def close(self) -> None:
        self._db.close()
