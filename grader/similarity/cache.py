"""Tokenised sources kept by content: a table of a batch's database (``OUT/grades.sqlite``), so
a class compared again, or compared after more files arrived, tokenises only what is new."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS similarity_tokens (
    digest TEXT NOT NULL,
    tokenizer TEXT NOT NULL,
    filtered TEXT NOT NULL,
    offsets BLOB NOT NULL,
    PRIMARY KEY (digest, tokenizer)
);
"""


def tokenizer() -> str:
    """What decides the tokens of a source: copydetect's and pygments' versions."""
    from importlib.metadata import version

    return f"copydetect {version('copydetect')}, pygments {version('pygments')}"


class SqliteTokens:
    """``TokenCache`` in a batch's database: sha256 of a source -> copydetect's normalised code and offsets."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._tokenizer = tokenizer()
        self.hits = 0

    def get(self, digest: str) -> tuple[str, np.ndarray] | None:
        row = self._db.execute("SELECT filtered, offsets FROM similarity_tokens WHERE digest = ? AND tokenizer = ?",
                               (digest, self._tokenizer)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return row[0], np.frombuffer(row[1], dtype=np.int64).reshape(-1, 2)

    def put(self, digest: str, filtered: str, offsets: np.ndarray) -> None:
        self._db.execute("INSERT OR REPLACE INTO similarity_tokens (digest, tokenizer, filtered, offsets) "
                         "VALUES (?, ?, ?, ?)", (digest, self._tokenizer, filtered,
                                                 np.ascontiguousarray(offsets, dtype=np.int64).tobytes()))

    def close(self) -> None:
        self._db.close()
