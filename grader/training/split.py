"""The data a training homework hands its child, memory-mappable: a validation
split carved from the dataset's training file (images rescaled, labels
one-hot, and as class numbers where a homework's students may want them;
stratified with seed 0), or the dataset's own validation split as it is
stored; optionally a stratified subset of the training data to train on; and the
training part again under the course's file names, for the files that load
their own data. The test split never becomes a child file: only the grader
loads it (``test_set``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from grader.checks.data import hand_over

if TYPE_CHECKING:
    from grader.context import CheckContext


@dataclass(frozen=True)
class SplitFiles:
    """The files the child reads: images and labels, per part."""

    train_images: Path
    train_onehot: Path
    val_images: Path
    val_onehot: Path
    n_train: int
    n_val: int
    description: str
    train_index: Path | None = None
    val_index: Path | None = None
    course: tuple[Path, ...] = ()
    """The training (and a stored validation) part again under the course's file names, as the
    course's files hold them (``mnist_train_images.npy``): what a file's own ``np.load`` gets."""

    def all(self) -> list[Path]:
        index = [self.train_index, self.val_index] if self.train_index and self.val_index else []
        return [self.train_images, self.train_onehot, *index[:1], self.val_images, self.val_onehot, *index[1:],
                *self.course]


@dataclass(frozen=True)
class SplitData:
    """The split as the grader evaluates on it: the files, and the validation arrays."""

    files: SplitFiles
    val_X: np.ndarray
    val_Y: np.ndarray


@dataclass(frozen=True)
class Split:
    """How a homework prepares its data: pixels ``/ 255 + offset``, ``classes``
    labels, the derived files' names starting with ``key`` (one per preparation,
    so two homeworks on one dataset never share a file), class-number labels too
    when ``with_index``. A profile's settings give ``validation_size`` and
    ``train_subset`` (0: all the rest)."""

    dataset: str
    classes: int
    offset: float = 0.0
    key: str = ""
    with_index: bool = False
    validation: str = ""
    """The dataset's own validation split to use as it is stored (then
    ``train_subset`` alone applies); empty: carve one from the training file."""

    def files(self, settings: Any, data_dir: Path) -> SplitFiles | None:
        """The prepared files for these settings, made on first use (None: the dataset is not here)."""
        from grader import datasets
        from grader.datasets.subset import train_validation_rows

        ds = datasets.available(self.dataset, data_dir=data_dir)
        if ds is None:
            return None
        if self.validation:
            return self._stored(ds, settings)
        labels = np.asarray(ds.load("train", "labels"))
        train, val = train_validation_rows(labels, self.classes, validation_size=settings.validation_size,
                                           train_subset=settings.train_subset)
        sources = [("train", "images"), ("train", "labels")]
        onehot_key = "labels-onehot" if self.with_index else "onehot"

        def made(part: str, rows: np.ndarray) -> tuple[Path, Path, Path | None]:
            images = datasets.derived(ds, f"{self.key}{part}-images", lambda: self._images(ds, rows), sources)
            onehot = datasets.derived(ds, f"{self.key}{part}-{onehot_key}",
                                      lambda: np.eye(self.classes, dtype=np.float32)[labels[rows]], sources)
            index = datasets.derived(ds, f"{self.key}{part}-labels-index",
                                     lambda: labels.astype(np.int64)[rows], sources) if self.with_index else None
            return images, onehot, index

        part = f"train{len(train)}-val{len(val)}"
        train_files, val_files = made(f"{part}-train", train), made(f"{part}-validation", val)
        subset = f"a stratified {len(train):,}-image subset of the " if settings.train_subset else "the "
        low, high = self.offset, 1 + self.offset
        description = (f"{subset}training file less a stratified validation split of {len(val):,} (seed 0): "
                       f"{len(train):,} training images, pixels scaled to [{low:g}, {high:g}], labels one-hot")
        # The course's own training file holds these rows too: as stored (pixels 0..255, labels as stored).
        course = tuple(datasets.course_named(ds, datasets.derived(
            ds, f"{self.key}{part}-train-course-{kind}", _rows(ds, kind, train), [("train", kind)]),
            ds.spec.file("train", kind).file) for kind in ("images", "labels"))
        return SplitFiles(train_files[0], train_files[1], val_files[0], val_files[1], len(train), len(val),
                          description, train_files[2], val_files[2], course)

    def _stored(self, ds: Any, settings: Any) -> SplitFiles:
        from grader import datasets

        n_val = len(ds.load(self.validation, "labels"))
        val = (ds.path(self.validation, "images"), ds.path(self.validation, "labels"))

        def course(*train: Path) -> tuple[Path, ...]:
            return tuple(datasets.course_named(ds, path, ds.spec.file(split, kind).file) for path, (split, kind)
                         in zip((*train, *val), [(s, k) for s in ("train", self.validation) for k in ("images", "labels")]))

        if settings.train_subset:
            sub = datasets.subset(ds, "train", size=settings.train_subset, method="stratified", seed=0)
            n_sub = len(np.load(sub.labels_path, mmap_mode="r"))
            return SplitFiles(sub.images_path, sub.labels_path, *val, n_sub, n_val, sub.description,
                              course=course(sub.images_path, sub.labels_path))
        n = len(ds.load("train", "labels"))
        return SplitFiles(ds.path("train", "images"), ds.path("train", "labels"), *val, n, n_val,
                          f"{self.dataset}/train: all {n:,} examples",
                          course=course(ds.path("train", "images"), ds.path("train", "labels")))

    def _images(self, ds: Any, rows: np.ndarray) -> np.ndarray:
        scaled = np.asarray(ds.load("train", "images"), np.float32)[rows] / np.float32(255)
        return scaled + np.float32(self.offset) if self.offset else scaled

    def child_files(self, profile: Any, settings: Any, data_dir: Path) -> list[Path]:
        """The training and validation files: all the child may read. Never the test split."""
        found = self.files(settings, data_dir)
        return found.all() if found is not None else []

    def data(self, ctx: CheckContext) -> SplitData:
        found = self.files(ctx.settings, ctx.data_dir or Path())
        assert found is not None, f"the item should declare needs = [{self.dataset!r}]"
        return SplitData(found, np.load(found.val_images, mmap_mode="r"), np.load(found.val_onehot, mmap_mode="r"))

    def test_set(self, ctx: CheckContext) -> tuple[np.ndarray, np.ndarray]:
        """The test images (float64, prepared like the training images) and one-hot labels: the grader's alone."""
        ds = ctx.dataset(self.dataset)
        images, labels = ds.load("test", "images"), np.asarray(ds.load("test", "labels"))
        X = np.asarray(images, dtype=np.float64)
        X = X / 255.0 if np.asarray(images).dtype.kind in "ui" else X
        Y = labels.astype(np.float64) if labels.ndim == 2 else np.eye(self.classes)[labels]
        return (X + self.offset if self.offset else X), Y


def _rows(ds: Any, kind: str, rows: np.ndarray) -> Callable[[], np.ndarray]:
    """The training file's ``kind`` at ``rows``, as stored."""
    return lambda: np.asarray(ds.load("train", kind))[rows]


def handed_over(data: SplitData, *, index_labels: bool = False) -> dict[str, Any]:
    """The data by role as the student's functions take it: rows, memory-mapped;
    labels one-hot, or as class numbers (``index_labels``)."""
    f = data.files
    train_y = f.train_index if index_labels and f.train_index else f.train_onehot
    val_y = f.val_index if index_labels and f.val_index else f.val_onehot
    return {"trainX": hand_over(f.train_images, rows=True), "trainY": hand_over(train_y, rows=True),
            "valX": hand_over(f.val_images, rows=True), "valY": hand_over(val_y, rows=True)}
