"""The wire format between the grader and the child process.

A frame is ``MAGIC | u32 header length | JSON header | u32 count |
(u64 length | .npy bytes) * count``. The header is plain JSON; numpy arrays
travel as ``.npy`` blobs referenced from it as ``{"$array": i}``. Only plain
values can be encoded: JSON scalars, lists, tuples, str-keyed dicts and numeric
arrays. Anything else is described (type name and a short repr), never
pickled, so an object with a lying ``__eq__`` arrives as a description the
grader will not accept as an answer.

This module is imported by the child harness too: numpy and the standard
library only.
"""

from __future__ import annotations

import functools
import io
import json
import math
import struct
from typing import Any, BinaryIO, Callable

import numpy as np

MAGIC = b"GRD1"
MAX_HEADER_BYTES = 8 * 1024 * 1024
"""A frame's JSON header at most: parsing one may transiently take about
``HEADER_WEIGHT`` times as much memory (nested lists), once at a time."""
MAX_ARRAY_BYTES = 1024 * 1024 * 1024
MAX_ARRAYS = 10_000
MAX_DEPTH = 64
MAX_STR = 100_000
ALLOWED_KINDS = "biuf"  # bool, signed, unsigned, float: no object, no structured


class WireError(Exception):
    """Bytes that are not a well-formed frame, or a value that breaks a limit."""


class OverBudget(WireError):
    """A frame whose arrays would take more bytes than its reader allows."""


class Unsupported:
    """What a value that cannot travel is replaced with: its type and repr."""

    __slots__ = ("type_name", "text")

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name = type_name
        self.text = text

    def __repr__(self) -> str:
        return f"<{self.type_name} object: {self.text}>"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Unsupported)
            and other.type_name == self.type_name
            and other.text == self.text
        )

    def __hash__(self) -> int:
        return hash((self.type_name, self.text))


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except BaseException:  # a hostile __repr__ must not stop the encoder
        text = "<repr failed>"
    if not isinstance(text, str):
        text = "<repr returned a non-string>"
    return text[:200]


def _type_name(value: Any) -> str:
    try:
        kind = type(value)
        return f"{kind.__module__}.{kind.__qualname__}"
    except BaseException:
        return "<unknown type>"


class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"$object": "nesting", "repr": "nested too deeply"}
        kind = type(value)  # exact types only: subclasses may override anything
        if kind is NpyFile:
            return value.to_wire()
        if value is None or kind is bool or kind is str:
            return value if kind is not str else value[:MAX_STR]
        if kind is int:
            return value if abs(value) < 2**63 else float(value)
        if kind is float:
            if math.isfinite(value):
                return value
            return {"$float": repr(value)}
        if kind is np.ndarray or isinstance(value, np.generic):
            return self._array(np.asarray(value), value)
        if isinstance(value, np.ndarray):  # ndarray subclass (matrix, memmap): plain copy
            return self._array(np.array(value, subok=False), value)
        if kind is list:
            return [self.encode(item, depth + 1) for item in value[:100_000]]
        if kind is tuple:
            return {"$tuple": [self.encode(item, depth + 1) for item in value[:100_000]]}
        if kind is dict:
            if all(type(key) is str for key in value):
                return {"$dict": {key: self.encode(item, depth + 1) for key, item in value.items()}}
            return {
                "$pairs": [
                    [self.encode(key, depth + 1), self.encode(item, depth + 1)]
                    for key, item in list(value.items())[:10_000]
                ]
            }
        return {"$object": _type_name(value), "repr": _safe_repr(value)}

    def _array(self, array: np.ndarray, original: Any) -> Any:
        if array.dtype.kind not in ALLOWED_KINDS or array.dtype.fields is not None:
            return {"$object": f"numpy array of dtype {array.dtype}", "repr": _safe_repr(original)}
        if array.nbytes > MAX_ARRAY_BYTES:
            return {"$object": "numpy array", "repr": f"too large to return: shape {array.shape}"}
        # np.ascontiguousarray would turn a 0-d scalar into shape (1,).
        self.arrays.append(array if array.flags.c_contiguous else np.array(array, order="C"))
        return {"$array": len(self.arrays) - 1, "scalar": isinstance(original, np.generic)}


def write_frame(stream: BinaryIO, header: dict[str, Any], value: Any = None) -> None:
    """Encode ``value`` into ``header["value"]`` and write one frame."""
    stream.write(encode_frame(header, value))
    stream.flush()


def encode_frame(header: dict[str, Any], value: Any = None) -> bytes:
    """One frame as bytes, with ``value`` encoded into ``header["value"]``."""
    encoder = _Encoder()
    header = dict(header, value=encoder.encode(value))
    # The value's floats are encoded above; a header's own fields (what the
    # stand-ins recorded: a diverged run's NaN loss) may hold NaN, which the
    # reader's json.loads takes back as a float.
    raw = json.dumps(header).encode("utf-8")
    if len(raw) > MAX_HEADER_BYTES:  # described instead: the reader would refuse the frame
        encoder.arrays.clear()
        header["value"] = {"$object": _type_name(value), "repr": f"too large to return: {len(raw) >> 20} MB as JSON"}
        raw = json.dumps(header).encode("utf-8")
    parts = [MAGIC, struct.pack(">I", len(raw)), raw, struct.pack(">I", len(encoder.arrays))]
    for array in encoder.arrays:
        blob = _npy_bytes(array)
        parts.append(struct.pack(">Q", len(blob)))
        parts.append(blob)
    return b"".join(parts)


def _npy_bytes(array: np.ndarray) -> bytes:
    """``array`` (C-contiguous) as ``np.save`` writes it, byte for byte: the
    header numpy makes for its dtype and shape (made once for each), then
    the data."""
    descr = np.lib.format.dtype_to_descr(array.dtype)
    try:
        if not isinstance(descr, str):  # a structured dtype (never sent: described instead)
            raise ValueError(descr)
        header = _npy_header(descr, array.shape)
    except ValueError:  # or a header too long for format 1.0: numpy's own choice of version
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, array, allow_pickle=False)
        return buffer.getvalue()
    return header + array.tobytes()


@functools.lru_cache(maxsize=1024)
def _npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(min(remaining, 1 << 24))
        if not chunk:
            raise EOFError("the channel closed in the middle of a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


HEADER_WEIGHT = 16
"""What one byte of a JSON header is counted as against a reader's budget: the
Python objects it decodes into take up to about this much (``[[],[],...]``:
three bytes, one empty list and a reference)."""


def read_frame(stream: BinaryIO, *, allow_files: bool = False,
               budget: Callable[[dict[str, Any] | None], int] | None = None,
               spent: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Read one frame and return its header with ``value`` decoded.

    ``allow_files`` admits ``NpyFile`` references: the child accepts them from
    the grader, the grader never accepts them from the child. ``budget``
    tells how many bytes this frame may cost, counting its header at
    ``HEADER_WEIGHT`` bytes a byte and its arrays at their size: asked with
    None before the header is parsed, then with the header (whose kind may
    allow less). A frame over it raises ``OverBudget`` before the rest is
    read or decoded (so a flood costs the reader nothing); ``spent`` is told
    what a frame within it cost. Raises ``EOFError`` on a clean end of stream
    and ``WireError`` on anything malformed or over the limits.
    """
    magic = stream.read(4)
    if not magic:
        raise EOFError("the channel closed")
    if magic != MAGIC:
        raise WireError(f"bad frame marker {magic!r}")
    (header_len,) = struct.unpack(">I", _read_exact(stream, 4))
    if header_len > MAX_HEADER_BYTES:
        raise WireError(f"header of {header_len} bytes is over the limit")
    cost = header_len * HEADER_WEIGHT
    if budget is not None and cost > budget(None):
        raise OverBudget(f"a frame header of {header_len} bytes is over the reader's budget")
    try:
        header = json.loads(_read_exact(stream, header_len).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError(f"header is not JSON: {type(exc).__name__}") from None
    if not isinstance(header, dict):
        raise WireError("header is not a JSON object")
    left = budget(header) - cost if budget is not None else None
    if left is not None and left < 0:
        raise OverBudget(f"a frame header of {header_len} bytes is over the reader's budget")
    (count,) = struct.unpack(">I", _read_exact(stream, 4))
    if count > MAX_ARRAYS:
        raise WireError(f"{count} arrays in one frame is over the limit")
    arrays = []
    for _ in range(count):
        (size,) = struct.unpack(">Q", _read_exact(stream, 8))
        if size > MAX_ARRAY_BYTES + 4096:
            raise WireError(f"array of {size} bytes is over the limit")
        if left is not None:
            if size > left:
                raise OverBudget(f"a frame of more than {(budget(header) if budget else 0) >> 20} MB")
            left -= size
        cost += size
        arrays.append(_load_array(_read_exact(stream, size)))
    header["value"] = _Decoder(arrays, allow_files).decode(header.get("value"), 0)
    if spent is not None:
        spent(cost)
    return header


_NPY_1_0 = b"\x93NUMPY\x01\x00"


def _load_array(blob: bytes) -> np.ndarray:
    """A ``.npy`` blob as ``np.load(..., allow_pickle=False)`` reads it. A
    format 1.0 header is parsed by numpy once for each distinct header (its
    parser, ``ast.literal_eval``, is most of the cost of a small array), and
    the data must fill the shape it declares."""
    if blob[:8] != _NPY_1_0 or len(blob) < 10:
        return _checked(_np_load(blob))
    end = 10 + int.from_bytes(blob[8:10], "little")
    shape, fortran, dtype = _npy_layout(blob[:end])
    if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None:
        raise WireError("array blob has a dtype that is not allowed")
    count = math.prod(shape)
    data = blob[end:end + count * dtype.itemsize]
    if len(data) < count * dtype.itemsize:
        raise WireError("array blob is not a valid .npy: its data is shorter than its shape")
    flat = np.frombuffer(bytearray(data), dtype=dtype, count=count) if count else np.empty(0, dtype=dtype)
    return flat.reshape(shape[::-1]).transpose() if fortran else flat.reshape(shape)


@functools.lru_cache(maxsize=1024)
def _npy_layout(header: bytes) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    stream = io.BytesIO(header)
    try:
        np.lib.format.read_magic(stream)
        return np.lib.format.read_array_header_1_0(stream)
    except Exception as exc:
        raise WireError(f"array blob is not a valid .npy: {exc}") from None


def _np_load(blob: bytes) -> Any:
    try:
        return np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as exc:
        raise WireError(f"array blob is not a valid .npy: {exc}") from None


def _checked(array: Any) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.dtype.kind not in ALLOWED_KINDS:
        raise WireError("array blob has a dtype that is not allowed")
    return array


class _Decoder:
    def __init__(self, arrays: list[np.ndarray], allow_files: bool) -> None:
        self.arrays = arrays
        self.allow_files = allow_files

    def decode(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH + 2:
            raise WireError("value nested too deeply")
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(item, depth + 1) for item in node]
        if not isinstance(node, dict) or len(node) == 0:
            raise WireError(f"unexpected node {node!r:.80}")
        if "$array" in node:
            index = node["$array"]
            if not isinstance(index, int) or not 0 <= index < len(self.arrays):
                raise WireError("array reference out of range")
            array = self.arrays[index]
            return array[()] if node.get("scalar") and array.ndim == 0 else array
        if "$float" in node:
            text = node["$float"]
            if text not in ("nan", "inf", "-inf"):
                raise WireError(f"bad float {text!r:.20}")
            return float(text)
        if "$tuple" in node:
            return tuple(self.decode(item, depth + 1) for item in _as_list(node["$tuple"]))
        if "$dict" in node:
            items = node["$dict"]
            if not isinstance(items, dict):
                raise WireError("bad dict")
            return {key: self.decode(item, depth + 1) for key, item in items.items()}
        if "$pairs" in node:
            result = {}
            for pair in _as_list(node["$pairs"]):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise WireError("bad dict pair")
                key = self.decode(pair[0], depth + 1)
                try:
                    result[key] = self.decode(pair[1], depth + 1)
                except TypeError:  # unhashable key: keep it described
                    result[Unsupported("unhashable key", _safe_repr(key))] = None
            return result
        if "$object" in node:
            return Unsupported(str(node["$object"])[:200], str(node.get("repr", ""))[:200])
        if "$npyfile" in node and self.allow_files:
            return NpyFile(str(node["$npyfile"]), bool(node.get("transpose", False)))
        raise WireError(f"unknown node {sorted(node)!r:.80}")


def _as_list(node: Any) -> list[Any]:
    if not isinstance(node, list):
        raise WireError("expected a list")
    return node


class NpyFile:
    """A reference to a ``.npy`` file that the child memory-maps instead of
    receiving the bytes (large training sets). ``transpose`` gives the child a
    transposed view, e.g. examples as columns."""

    __slots__ = ("path", "transpose")

    def __init__(self, path: str, transpose: bool = False) -> None:
        self.path = path
        self.transpose = transpose

    def to_wire(self) -> dict[str, Any]:
        return {"$npyfile": self.path, "transpose": self.transpose}
