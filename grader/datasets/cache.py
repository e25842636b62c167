"""The on-disk cache of one dataset and its sha256 lock file.

Layout under the data directory (see docs/datasets.md)::

    <data_dir>/<name>/<file>.npy           verified files, under their S3 names
    <data_dir>/<name>/sha256.lock.json     what was verified, and from where
    <data_dir>/<name>/.lock                inter-process lock (filelock)
    <data_dir>/<name>/.partial/            downloads and imports in progress
    <data_dir>/<name>/subsets/             materialised subsets

A file reaches its final name only by ``os.replace`` after verification, so a
half-written or unverified file never sits there.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.datasets.manifest import DatasetSpec
from grader.errors import DatasetError

LOCK_SCHEMA_VERSION = 1
LOCK_FILE = "sha256.lock.json"
PARTIAL_DIR = ".partial"


@dataclass(frozen=True)
class LocalDataset:
    """A dataset present and verified in the cache."""

    name: str
    root: Path
    spec: DatasetSpec = field(repr=False, compare=False)

    def path(self, split: str, kind: str) -> Path:
        return self.root / self.spec.file(split, kind).file

    def load(self, split: str, kind: str) -> np.ndarray:
        """The array, memory-mapped read-only: costs nearly nothing until used."""
        return np.load(self.path(split, kind), mmap_mode="r", allow_pickle=False)

    def sources(self) -> dict[str, str]:
        """Where each file came from (URL, mirror or import folder)."""
        entries = read_lock(self.root).get("files", {})
        return {name: entry.get("source", "?") for name, entry in entries.items()}


@dataclass(frozen=True)
class LockEntry:
    sha256: str
    size: int
    mtime_ns: int
    source: str
    verified_at: str

    @classmethod
    def for_file(cls, path: Path, sha256: str, source: str) -> LockEntry:
        st = path.stat()
        now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
        return cls(sha256, st.st_size, st.st_mtime_ns, source, now)

    def matches_stat(self, path: Path) -> bool:
        """The cheap test: same size and modification time as when verified."""
        try:
            st = path.stat()
        except OSError:
            return False
        return st.st_size == self.size and st.st_mtime_ns == self.mtime_ns


def read_lock(root: Path) -> dict:
    path = root / LOCK_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"schema_version": LOCK_SCHEMA_VERSION, "files": {}}
    except ValueError as exc:
        raise DatasetError(f"{path} is not valid JSON ({exc}); delete it to start over") from exc
    if data.get("schema_version") != LOCK_SCHEMA_VERSION:
        raise DatasetError(
            f"{path} has schema_version {data.get('schema_version')!r}, expected "
            f"{LOCK_SCHEMA_VERSION}; delete it to start over"
        )
    return data


def lock_entry(root: Path, file: str) -> LockEntry | None:
    entry = read_lock(root).get("files", {}).get(file)
    return LockEntry(**entry) if entry else None


def write_lock_entry(root: Path, dataset: str, file: str, entry: LockEntry) -> None:
    """Record one verified file; the lock file itself is replaced atomically."""
    files = dict(read_lock(root).get("files", {}))
    files[file] = entry.__dict__
    data = {"schema_version": LOCK_SCHEMA_VERSION, "dataset": dataset,
            "files": dict(sorted(files.items()))}
    atomic_write_bytes(root / LOCK_FILE, (json.dumps(data, indent=2) + "\n").encode())


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def partial_path(root: Path, file: str) -> Path:
    folder = root / PARTIAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / (file + ".part")


def discard_partial(part: Path) -> None:
    part.unlink(missing_ok=True)
    part.with_name(part.name + ".json").unlink(missing_ok=True)


def commit(part: Path, final: Path) -> None:
    """Flush the verified partial file to disk and rename it into place."""
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, final)
    part.with_name(part.name + ".json").unlink(missing_ok=True)


@contextlib.contextmanager
def dataset_lock(root: Path, notify: Callable[[str], None]) -> Iterator[None]:
    """Hold the dataset's inter-process lock, saying so if we have to wait."""
    from filelock import FileLock, Timeout  # 15 ms to import: only for a command that writes the cache

    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / ".lock"))
    try:
        lock.acquire(timeout=0.5)
    except Timeout:
        notify(f"waiting for another grade process that is writing {root} ...")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
