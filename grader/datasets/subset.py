"""Deterministic subsets of a cached split, for quick grading profiles.

Methods:

* ``stratified`` (the default): the same number of examples of every class
  (``size // classes`` each; the remainder goes one each to the lowest class
  numbers), drawn without replacement by ``numpy.random.default_rng(seed)``,
  class by class in class order, then kept in their original order. Random
  rather than first-N within a class because MNIST's test set changes writer
  population half way through.
* ``first``: the first ``size`` examples of the split, as stored.

A subset is materialised once as two ``.npy`` files under
``<data_dir>/<name>/subsets/`` (written atomically under the dataset lock),
named after the split, method, size, seed and the first 12 hex digits of the
source file's sha256, so a refreshed dataset never reuses a stale subset.
It is always described as a subset: see :attr:`Subset.description`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets import cache
from grader.datasets.cache import LocalDataset
from grader.datasets.verify import class_ids, sha256_file
from grader.errors import DatasetError

METHODS = ("stratified", "first")


@dataclass(frozen=True)
class Subset:
    images_path: Path
    labels_path: Path
    description: str
    indices_of: str  # "mnist/train": the split the rows were taken from

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels), memory-mapped read-only."""
        return (np.load(self.images_path, mmap_mode="r", allow_pickle=False),
                np.load(self.labels_path, mmap_mode="r", allow_pickle=False))


def choose_rows(labels: np.ndarray, n_classes: int, *, size: int, method: str, seed: int) -> np.ndarray:
    """Row numbers (ascending) of the subset; ``labels`` are class ids."""
    n = len(labels)
    if method not in METHODS:
        raise DatasetError(f"unknown subset method {method!r} (known: {', '.join(METHODS)})")
    if not 0 < size <= n:
        raise DatasetError(f"a subset needs 1..{n:,} examples, not {size:,}")
    if method == "first":
        return np.arange(size)
    quotas = _quotas(size, n_classes)
    rng = np.random.default_rng(seed)
    chosen = []
    for k in range(n_classes):
        rows = np.flatnonzero(labels == k)
        if len(rows) < quotas[k]:
            raise DatasetError(f"class {k} has {len(rows):,} examples, fewer than the {quotas[k]:,} asked for")
        chosen.append(rng.choice(rows, size=quotas[k], replace=False))
    return np.sort(np.concatenate(chosen))


def train_validation_rows(labels: np.ndarray, n_classes: int, *, validation_size: int, train_subset: int = 0,
                          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, validation rows) of a training file: a stratified
    validation split carved out, the rest to train on, or a stratified
    ``train_subset`` of the rest (0: all of it)."""
    val = choose_rows(labels, n_classes, size=validation_size, method="stratified", seed=seed)
    keep = np.ones(len(labels), dtype=bool)
    keep[val] = False
    train = np.flatnonzero(keep)
    if train_subset:
        train = train[choose_rows(labels[train], n_classes, size=train_subset, method="stratified", seed=seed)]
    return train, val


def _quotas(size: int, n_classes: int) -> list[int]:
    base, extra = divmod(size, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def subset(ds: LocalDataset, split: str, *, size: int, method: str = "stratified", seed: int = 0) -> Subset:
    """A documented, deterministic subset of ``ds``'s ``split`` (see module doc)."""
    spec = ds.spec
    labels_spec = spec.file(split, "labels")
    labels_path = ds.path(split, "labels")
    entry = cache.lock_entry(ds.root, labels_spec.file)
    tag = (entry.sha256 if entry else sha256_file(labels_path))[:12]
    stem = f"{split}-{method}-{size}" + (f"-seed{seed}" if method == "stratified" else "") + f"-{tag}"
    folder = ds.root / "subsets"
    out_images, out_labels = folder / f"{stem}.images.npy", folder / f"{stem}.labels.npy"
    labels = ds.load(split, "labels")
    n = len(labels)
    ids = class_ids(np.asarray(labels), labels_spec)
    rows = choose_rows(ids, spec.classes, size=size, method=method, seed=seed)
    if not (out_images.exists() and out_labels.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        with cache.dataset_lock(ds.root, lambda m: print(m, file=sys.stderr)):
            for path, array in ((out_images, ds.load(split, "images")), (out_labels, labels)):
                if not path.exists():
                    _save_atomic(path, np.ascontiguousarray(array[rows]))
    return Subset(out_images, out_labels, _describe(spec.name, split, spec.class_word, method,
                                                    size, n, seed, np.bincount(ids[rows], minlength=spec.classes)),
                  f"{spec.name}/{split}")


def _save_atomic(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
    cache.commit(tmp, path)


def _describe(name: str, split: str, word: str, method: str, size: int, n: int, seed: int,
              counts: np.ndarray) -> str:
    if method == "first":
        return f"first-{size:,} subset of {name}/{split}: examples 0..{size - 1:,} of {n:,}"
    per = (f"{counts[0]:,} per {word}" if counts.min() == counts.max()
           else f"{counts.min():,}-{counts.max():,} per {word}")
    return f"stratified subset of {name}/{split}: {size:,} of {n:,} examples (seed {seed}, {per})"
