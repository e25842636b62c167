"""Reading what student functions return when it is not exactly what the stub
says: a number inside a tuple, a vector as the first item of a tuple or the
last of a list of vectors. Each reading says how it read, for the notes."""

from __future__ import annotations

from typing import Any

import numpy as np


def scalar(value: Any) -> tuple[float | None, bool]:
    """The number a loss function returned, and whether it came in a tuple
    (see ``scalar_item``)."""
    number, position = scalar_item(value)
    return number, position is not None


def scalar_item(value: Any) -> tuple[float | None, int | None]:
    """The number a loss function returned and, when it came in a tuple, its
    position there: the first item if it is a number, else the only number
    among the items (``(z1, h1, cost, yhat)``)."""
    if isinstance(value, (tuple, list)) and value:
        numbers = [(i, number) for i, item in enumerate(value) if (number := _number(item)) is not None]
        if numbers and numbers[0][0] == 0:
            return numbers[0][1], 0
        if len(numbers) == 1:
            return numbers[0][1], numbers[0][0]
        return None, 0
    return _number(value), None


def _number(value: Any) -> float | None:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(array.reshape(())) if array.size == 1 else None


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


def quoted(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it, cut short."""
    try:
        text = repr(value)
    except Exception:  # nested too deeply to repr
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value: Any) -> str:
    """A few words on what a value is, for messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"
