"""Reading the standard IDX files and building the course's arrays from them.

IDX: a big-endian header (magic 0x00000803 for 3-d uint8 images, 0x00000801
for 1-d uint8 labels, then one 4-byte size per dimension) and the raw bytes.
Files may be gzipped; that is decided from their first bytes, not their name.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from grader.datasets.manifest import DatasetSpec, FileSpec, ImportSpec
from grader.errors import ValidationError

_MAGIC_NDIM = {0x00000801: 1, 0x00000803: 3}
_GZIP_MAGIC = b"\x1f\x8b"
# pixel * float32(1/255): what the TensorFlow reader behind the S3 files did.
_UNIT_SCALE = np.float32(1.0 / 255.0)


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array in an IDX file; a truncated or foreign file raises
    ``ValidationError`` naming it."""
    with open(path, "rb") as fh:
        gzipped = fh.read(2) == _GZIP_MAGIC
    try:
        if gzipped:
            with gzip.open(path, "rb") as fh:
                raw = fh.read()
        else:
            raw = path.read_bytes()
    except (OSError, EOFError) as exc:  # gzip raises these for truncated streams
        raise ValidationError(f"{path} is not a readable gzip file: {exc}") from exc
    if len(raw) < 4:
        raise ValidationError(f"{path} is too short to be an IDX file ({len(raw)} bytes)")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic not in _MAGIC_NDIM:
        raise ValidationError(
            f"{path} is not a uint8 IDX file (magic 0x{magic:08x}, expected 0x00000801 or 0x00000803)"
        )
    ndim = _MAGIC_NDIM[magic]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValidationError(f"{path} ends inside its IDX header")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    expected = int(np.prod(dims))
    if len(raw) - header != expected:
        raise ValidationError(
            f"{path} holds {len(raw) - header:,} data bytes but its header {dims} "
            f"needs {expected:,} (truncated or corrupt)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def find_idx(folder: Path, base: str) -> Path:
    """``base`` in ``folder``, gzipped or not, with '-' or '.' before 'idx'."""
    variants = [base, base.replace("-idx", ".idx")]
    for name in variants:
        for candidate in (folder / (name + ".gz"), folder / name):
            if candidate.is_file():
                return candidate
    raise ValidationError(
        f"{folder} has no {base}.gz or {base} (an IDX file the import needs)"
    )


def idx_files(importer: ImportSpec, folder: Path) -> dict[str, Path]:
    return {part: find_idx(folder, base) for part, base in importer.idx_names.items()}


def build_arrays(spec: DatasetSpec, folder: Path) -> dict[str, np.ndarray]:
    """Every file of ``spec`` built from the IDX files in ``folder``, keyed by
    file name; raises ``ValidationError`` for missing or broken IDX files."""
    importer = spec.importer
    if importer is None:
        raise ValidationError(f"{spec.name} cannot be imported from IDX files")
    sources = idx_files(importer, folder)
    raw = {part: read_idx(path) for part, path in sources.items()}
    for part in ("train", "test"):
        images, labels = raw[f"{part}_images"], raw[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValidationError(
                f"{sources[part + '_images']} and {sources[part + '_labels']} do not pair up: "
                f"images {images.shape}, labels {labels.shape}"
            )
    return {f.file: _encode(f, raw, importer, sources) for f in spec.files}


def _encode(f: FileSpec, raw: dict[str, np.ndarray], importer: ImportSpec,
            sources: dict[str, Path]) -> np.ndarray:
    if f.import_rows is None:
        raise ValidationError(f"{f.file} has no import_rows in its manifest")
    part, start, stop = f.import_rows
    source = raw[f"{part}_{f.kind}"]
    if stop > len(source):
        raise ValidationError(
            f"{sources[part + '_' + f.kind]} has {len(source):,} rows; {f.file} needs rows {start}:{stop}"
        )
    rows = source[start:stop]
    if f.kind == "images":
        flat = rows.reshape(len(rows), -1)
        if importer.images_encoding == "unit-float32":
            return np.multiply(flat, _UNIT_SCALE, dtype=np.float32)
        return np.ascontiguousarray(flat, dtype=np.uint8)
    if importer.labels_encoding.startswith("one-hot"):
        dtype = np.float64 if importer.labels_encoding.endswith("float64") else np.float32
        onehot = np.zeros((len(rows), f.classes), dtype=dtype)
        if rows.size and rows.max() >= f.classes:
            raise ValidationError(f"{sources[part + '_labels']} has a label {rows.max()} >= {f.classes}")
        onehot[np.arange(len(rows)), rows] = 1
        return onehot
    return np.ascontiguousarray(rows, dtype=np.uint8)
