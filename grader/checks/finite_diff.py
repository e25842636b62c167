"""Checking a student's gradient against central differences of a loss,
block by block (W1, b1, ...), along random unit directions.

The loss is usually the student's own (so a consistent pair of loss and
gradient agrees even where both differ from the reference); the tolerance
allows for the loss's float precision (float32 losses are noisier).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

LossAt = Callable[[np.ndarray], "tuple[float | None, float]"]
"""``loss(w) -> (value or None, machine epsilon of the value's float type)``."""


@dataclass(frozen=True)
class BlockAgreement:
    name: str
    agrees: bool
    numeric: float = 0.0
    """For a block that disagrees: the finite difference along the failing direction."""
    analytic: float = 0.0
    """...and the gradient's directional derivative along it."""

    def describe(self, gradient: str = "gradient") -> str:
        return f"{self.name}: finite difference {self.numeric:.6g} vs {gradient} {self.analytic:.6g}"


def float_eps(value: Any) -> float:
    """Machine epsilon of the float type a value was computed in."""
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    dtype = getattr(value, "dtype", None)
    return float(np.finfo(dtype).eps) if dtype is not None and dtype.kind == "f" else float(np.finfo(np.float64).eps)


def agree(loss: LossAt, w: np.ndarray, gradient: np.ndarray, blocks: Sequence[tuple[str, np.ndarray]],
          rng: np.random.Generator, *, directions: int = 2, eps: float = 1e-4) -> list[BlockAgreement] | None:
    """For each named block (its positions in ``w``), whether the gradient's
    directional derivatives match central differences of ``loss`` along
    ``directions`` random unit directions within that block. None when the
    loss did not return a number."""
    found = []
    for name, positions in blocks:
        positions = np.asarray(positions).ravel()
        verdict = BlockAgreement(name, True)
        for _ in range(directions):
            direction = np.zeros(w.size)
            step = rng.normal(size=positions.size)
            direction[positions] = step / np.linalg.norm(step)
            values, precision = [], float(np.finfo(np.float64).eps)
            for sign in (1, -1):
                value, value_eps = loss(w + sign * eps * direction)
                values.append(value)
                precision = max(precision, value_eps)
            if values[0] is None or values[1] is None:
                return None
            numeric = (values[0] - values[1]) / (2 * eps)
            analytic = float(gradient @ direction)
            tolerance = 1e-3 * max(abs(numeric), abs(analytic)) + 1e-6 + 8 * precision * abs(values[0]) / eps
            if not (np.isfinite(numeric) and abs(numeric - analytic) <= tolerance):
                verdict = BlockAgreement(name, False, numeric, analytic)
                break
        found.append(verdict)
    return found
