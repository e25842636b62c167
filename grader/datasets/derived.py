"""Arrays derived from a cached dataset (rescaled images, one-hot labels, a
validation split carved from a training file), materialised once as ``.npy``
files so a child can memory-map them like any dataset file.

A derived file lives under ``<data_dir>/<name>/derived/``, named after its key
and the first 12 hex digits of the sha256 of every source file it was built
from, so a refreshed dataset never reuses a stale one. It is written
atomically under the dataset lock: concurrent graders build it once.
"""

from __future__ import annotations

import hashlib
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
