"""Reading what student functions return when it is not exactly what the stub
says: a number inside a tuple, a vector as the first item of a tuple or the
last of a list of vectors. Each reading says how it read, for the notes."""

from __future__ import annotations

from typing import Any

import numpy as np


def scalar(value: Any) -> tuple[float | None, bool]:
    """The number a loss function returned, and whether it came in a tuple
    (its first item)."""
    tupled = False
    if isinstance(value, (tuple, list)) and value:
        value, tupled = value[0], True
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, tupled
    return (float(array.reshape(())) if array.size == 1 else None), tupled


def vector_of_size(value: Any, size: int) -> np.ndarray | None:
    """``value`` as a flat float vector of ``size`` entries, if it is one
    (a 1-d array, or a row or column)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.size == size and (
            value.ndim == 1 or 1 in value.shape):
        return value.astype(np.float64).ravel()
    return None


def packed_vector(value: Any, size: int) -> tuple[np.ndarray | None, str | None]:
    """A packed vector of ``size`` from a return value: the value itself, the
    first item of a tuple, or the last of a list of vectors (weights visited)."""
    if (found := vector_of_size(value, size)) is not None:
        return found, None
    if isinstance(value, (list, tuple)) and value:
        vectors = [vector_of_size(v, size) for v in value]
        last = vectors[-1]
        if len(value) > 1 and last is not None and all(v is not None for v in vectors):
            return last, "returned a list of the weights it visited; the last one was used"
        if vectors[0] is not None:
            return vectors[0], "returned a tuple; its first item was used as w"
    return None, None


def describe(value: Any) -> str:
    """A few words on what a value is, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"
