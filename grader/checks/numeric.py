"""Compare a student's value with the expected one and say what is wrong.

The comparison accepts a (k, 1) column and a (k,) array as the same vector,
reports shapes and the largest errors, and recognises the mistakes students
make most: a transposed matrix, a wrong scale factor, a flipped sign, NaN or
inf, a missing ``return``. Checks turn the verdict into course terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

import numpy as np

from grader.sandbox.wire import Unsupported


Mistake = Literal["transposed", "scaled", "sign", "nan", "shape", "type", "none"]
"""What ``compare`` recognises: a transposed matrix, a constant factor, a
flipped sign, NaN/inf, a wrong shape, a value that is no array, None."""


@dataclass(frozen=True)
class Comparison:
    ok: bool
    message: str
    """One line: what matched or what is wrong, with shapes and errors."""
    mistake: Mistake | None = None
    factor: float | None = None
    """For ``scaled``: got / expected."""


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def as_array(value: Any) -> tuple[np.ndarray | None, str | None]:
    """A float array from a plain value, or why there is none."""
    if value is None:
        return None, "returned None (a missing `return` statement?)"
    if isinstance(value, Unsupported):
        return None, f"returned a {value.type_name} object, not a number or numpy array"
    if isinstance(value, (str, dict)):
        return None, f"returned a {type(value).__name__}, not a number or numpy array"
    try:
        array = np.asarray(value)
    except Exception:
        return None, f"returned a {type(value).__name__} that numpy cannot read as an array"
    if array.dtype == object:
        return None, "returned a ragged or mixed list that is not one numpy array"
    if array.dtype.kind not in "biuf":
        return None, f"returned values of dtype {array.dtype}, expected real numbers"
    return array.astype(np.float64), None


def _is_vector(shape: tuple[int, ...]) -> bool:
    return sum(1 for n in shape if n != 1) <= 1


def compare(got: Any, expected: Any, *, rtol: float = 1e-5, atol: float = 1e-8,
            factors: Mapping[str, float] | None = None, allow_row_vector: bool = True) -> Comparison:
    """Compare ``got`` with ``expected`` (trusted) and diagnose the difference.

    ``factors`` names scale factors that point to a known mistake, e.g.
    ``{"the batch size n": 64}``: a result n times too large is named so.
    """
    want = np.asarray(expected, dtype=np.float64)
    array, problem = as_array(got)
    if array is None:
        return Comparison(False, problem or "no value", mistake="none" if got is None else "type")
    if array.shape != want.shape:
        same_vector = (array.size == want.size and _is_vector(array.shape) and _is_vector(want.shape)
                       and (allow_row_vector or array.ndim < 2 or want.ndim < 2 or array.shape[-1] == want.shape[-1]))
        if same_vector:
            array = array.reshape(want.shape)
        elif array.ndim == 2 and want.ndim == 2 and array.shape == want.shape[::-1]:
            if _close(array.T, want, rtol, atol):
                return Comparison(False, f"transposed: expected shape {_shape(want.shape)}, got {_shape(array.shape)} "
                                         "(the values match the transpose of the expected matrix)", mistake="transposed")
            return Comparison(False, f"wrong shape: expected {_shape(want.shape)}, got {_shape(array.shape)} "
                                     "(the transpose's shape, and the values are wrong too)", mistake="shape")
        else:
            return Comparison(False, f"wrong shape: expected {_shape(want.shape)}, got {_shape(array.shape)}",
                              mistake="shape")
    bad = ~np.isfinite(array)
    if bad.any():
        kind = "NaN" if np.isnan(array).any() else "inf"
        return Comparison(False, f"contains {kind}: {int(bad.sum())} of {array.size} entries are not finite "
                                 "(an overflow, e.g. exp of large logits, or log(0)?)", mistake="nan")
    if _close(array, want, rtol, atol):
        return Comparison(True, f"matches (max abs error {_max_abs(array, want):.2e})")
    return _diagnose(array, want, rtol, atol, factors or {})


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> bool:
    return bool(np.all(np.isfinite(got))) and bool(np.allclose(got, want, rtol=rtol, atol=atol))


def _max_abs(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(got - want))) if got.size else 0.0


def _diagnose(got: np.ndarray, want: np.ndarray, rtol: float, atol: float,
              factors: Mapping[str, float]) -> Comparison:
    diff = np.abs(got - want)
    index = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    where = f" at index {tuple(int(i) for i in index)}" if got.ndim else ""
    rel = float(np.max(diff / np.maximum(np.abs(want), 1e-12)))
    numbers = (f"max abs error {float(diff.max()):.3g}{where} (expected {float(want[index]):.6g}, "
               f"got {float(got[index]):.6g}), max rel error {rel:.3g}")
    denominator = float(np.dot(want.ravel(), want.ravel()))
    if denominator > 0:
        factor = float(np.dot(got.ravel(), want.ravel()) / denominator)
        if abs(factor) > 1e-12 and _close(got, factor * want, 1e-4, atol) and not np.isclose(factor, 1.0):
            if np.isclose(factor, -1.0, rtol=1e-4):
                return Comparison(False, f"sign error: the result is the negative of the expected one ({numbers})",
                                  mistake="sign", factor=factor)
            named = _name_factor(factor, factors)
            return Comparison(False, f"off by a constant factor: {named} ({numbers})", mistake="scaled",
                              factor=factor)
    return Comparison(False, numbers, mistake=None)


def _name_factor(factor: float, factors: Mapping[str, float]) -> str:
    for name, value in factors.items():
        if value and np.isclose(factor, value, rtol=1e-4):
            return f"{name} times too large"
        if value and np.isclose(factor, 1.0 / value, rtol=1e-4):
            return f"{name} times too small"
    if abs(factor) >= 1:
        return f"{factor:.4g} times the expected value"
    return f"{factor:.4g} times the expected value (1/{1 / factor:.4g})"
