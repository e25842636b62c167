"""Checks that a ``.npy`` file is the array its manifest describes.

Every file that enters the cache, downloaded or imported, passes
:func:`validate_file` first; a failure names the file and the fact it breaks.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from grader.datasets.manifest import FileSpec
from grader.errors import ValidationError

_NPY_MAGIC = b"\x93NUMPY"
_HASH_CHUNK = 4 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def validate_file(path: Path, spec: FileSpec, *, shown_as: str | None = None) -> None:
    """Raise ``ValidationError`` unless ``path`` holds the array ``spec`` describes.

    ``shown_as`` is the name used in messages (the temporary file of a
    download has a different name from the file the user knows).
    """
    name = shown_as or spec.file
    _check_header(path, name)
    _check_size(path, name)
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValidationError(f"{name} is not a readable .npy array: {exc}") from exc
    validate_array(np.asarray(array), spec, shown_as=name)


def _check_header(path: Path, name: str) -> None:
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(_NPY_MAGIC):
        return
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise ValidationError(
            f"{name} is an HTML/XML page, not a .npy file (an error page from "
            f"the server or a proxy?): {head[:80]!r}"
        )
    if not head:
        raise ValidationError(f"{name} is empty")
    raise ValidationError(f"{name} is not a .npy file (starts with {head[:16]!r})")


def _check_size(path: Path, name: str) -> None:
    """A truncated (or padded) file is caught from its header alone."""
    fmt = np.lib.format
    try:
        with open(path, "rb") as fh:
            version = fmt.read_magic(fh)
            read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = read(fh)
            offset = fh.tell()
    except (ValueError, OSError, EOFError, SyntaxError) as exc:
        raise ValidationError(f"{name} has an unreadable .npy header: {exc}") from exc
    if dtype.hasobject:
        raise ValidationError(f"{name} holds Python objects (pickles), not numbers")
    expected = offset + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = path.stat().st_size
    if actual != expected:
        raise ValidationError(f"{name} has {actual:,} bytes but its header promises {expected:,} (truncated?)")


def validate_array(array: np.ndarray, spec: FileSpec, *, shown_as: str | None = None) -> None:
    name = shown_as or spec.file
    if array.shape != spec.shape:
        raise ValidationError(f"{name} has shape {array.shape}, expected {spec.shape}")
    if not _in_family(array.dtype, spec.dtype):
        raise ValidationError(f"{name} has dtype {array.dtype}, expected a {spec.dtype} dtype")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValidationError(f"{name} contains NaN or infinite values")
    if spec.range is not None and array.size:
        lo, hi = float(array.min()), float(array.max())
        if lo < spec.range[0] or hi > spec.range[1]:
            raise ValidationError(
                f"{name} has values in [{lo:g}, {hi:g}], expected within "
                f"[{spec.range[0]:g}, {spec.range[1]:g}]"
            )
    if spec.kind == "labels":
        counts = class_counts(array, spec, shown_as=name)
        if spec.class_counts is not None and tuple(counts) != spec.class_counts:
            raise ValidationError(
                f"{name} has {counts.tolist()} examples per class, expected "
                f"{list(spec.class_counts)} (a wrong split or a different dataset?)"
            )


def class_counts(labels: np.ndarray, spec: FileSpec, *, shown_as: str | None = None) -> np.ndarray:
    """Examples per class; raises if the labels break their encoding."""
    return np.bincount(class_ids(labels, spec, shown_as=shown_as), minlength=_n_classes(spec))


def class_ids(labels: np.ndarray, spec: FileSpec, *, shown_as: str | None = None) -> np.ndarray:
    """The integer class of each example, checking the label encoding."""
    name = shown_as or spec.file
    n_classes = _n_classes(spec)
    if spec.encoding == "one-hot":
        if labels.ndim != 2 or labels.shape[1] != n_classes:
            raise ValidationError(f"{name}: one-hot labels need shape (n, {n_classes})")
        ones = labels == 1
        if not ((labels == 0) | ones).all() or not (ones.sum(axis=1) == 1).all():
            raise ValidationError(f"{name}: not one-hot (each row needs a single 1, zeros elsewhere)")
        return np.argmax(labels, axis=1)
    if labels.ndim != 1:
        raise ValidationError(f"{name}: index labels need shape (n,)")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValidationError(
            f"{name}: labels range over [{labels.min()}, {labels.max()}], expected 0..{n_classes - 1}"
        )
    if labels.dtype.kind == "f" and not (labels == np.round(labels)).all():
        raise ValidationError(f"{name}: class labels are not whole numbers")
    return labels.astype(np.intp)


def _n_classes(spec: FileSpec) -> int:
    return spec.classes


def _in_family(dtype: np.dtype, family: str) -> bool:
    if family == "floating":
        return dtype.kind == "f"
    if family == "integer":
        return dtype.kind in "iu"
    return dtype.kind in "iuf"
