"""Arrays derived from a cached dataset (rescaled images, one-hot labels, a
validation split carved from a training file), materialised once as ``.npy``
files so a child can memory-map them like any dataset file.

A derived file lives under ``<data_dir>/<name>/derived/``, named after its key
and the first 12 hex digits of the sha256 of every source file it was built
from, so a refreshed dataset never reuses a stale one. It is written
atomically under the dataset lock: concurrent graders build it once.
``course_named`` gives a handed-over file the course's own file name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from grader.datasets import cache
from grader.datasets.cache import LocalDataset
from grader.datasets.verify import sha256_file
from grader.errors import DatasetError


def derived(ds: LocalDataset, key: str, build: Callable[[], np.ndarray],
            sources: Sequence[tuple[str, str]]) -> Path:
    """The path of the array ``build()`` makes from the ``(split, kind)``
    files ``sources`` of ``ds``, building it on first use."""
    if not key.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise DatasetError(f"a derived array's key must be a plain name, not {key!r}")
    tags = []
    for split, kind in sources:
        entry = cache.lock_entry(ds.root, ds.spec.file(split, kind).file)
        tags.append(entry.sha256 if entry else sha256_file(ds.path(split, kind)))
    tag = hashlib.sha256("|".join(tags).encode()).hexdigest()[:12]
    path = ds.root / "derived" / f"{key}-{tag}.npy"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with cache.dataset_lock(ds.root, lambda m: print(m, file=sys.stderr)):
            if not path.exists():
                tmp = path.with_name(f".{path.name}.tmp")
                with open(tmp, "wb") as handle:
                    np.save(handle, np.ascontiguousarray(build()), allow_pickle=False)
                cache.commit(tmp, path)
    return path


def course_named(ds: LocalDataset, path: Path, name: str) -> Path:
    """``path`` under the course's file name ``name`` (a hard link, or a copy
    where links cannot be made), so the child finds a handed-over file by the
    name the course's code loads it by: ``<data_dir>/<name>/course/<stem of
    path>/<name>``. A file already so named is itself."""
    if path.name == name:
        return path
    target = ds.root / "course" / path.stem / name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copyfile(path, tmp)
        os.replace(tmp, target)
    return target
