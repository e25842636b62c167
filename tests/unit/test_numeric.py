"""Numeric comparison and its diagnoses."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.numeric import compare
from grader.sandbox.wire import Unsupported

W = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]])
v = np.array([1.0, -2.0, 0.25])


@pytest.mark.parametrize(
    ("got", "expected", "ok", "mistake", "says"),
    [
        (W.copy(), W, True, None, "matches"),
        (v.reshape(-1, 1), v, True, None, "matches"),            # (k, 1) and (k,) are one vector
        (v, v.reshape(-1, 1), True, None, "matches"),
        (v.reshape(1, -1), v.reshape(-1, 1), True, None, "matches"),
        (W.T, W, False, "transposed", "expected shape (2, 3), got (3, 2)"),
        (W * 64, W, False, "scaled", "the batch size n times too large"),
        (W / 64, W, False, "scaled", "the batch size n times too small"),
        (-W, W, False, "sign", "sign error"),
        (W * 0.5, W, False, "scaled", "0.5 times"),
        (np.full_like(W, np.nan), W, False, "nan", "NaN"),
        (np.full_like(W, np.inf), W, False, "nan", "inf"),
        (None, W, False, "none", "missing `return`"),
        (Unsupported("Liar", "x"), W, False, "type", "Liar object"),
        (np.zeros((4, 4)), W, False, "shape", "expected (2, 3), got (4, 4)"),
        (W + np.eye(2, 3), W, False, None, "max abs error 1"),
        ([[1, 2, 3], [4, 5, 6.5]], W, True, None, "matches"),
        ("W", W, False, "type", "returned a str"),
    ],
)
def test_compare_diagnoses(got, expected, ok, mistake, says):
    found = compare(got, expected, factors={"the batch size n": 64})
    assert found.ok is ok
    assert found.mistake == mistake
    assert says in found.message


def test_weight_gradient_may_refuse_row_for_column():
    found = compare(np.ones((1, 3)), np.ones((3, 1)), allow_row_vector=False)
    assert not found.ok and found.mistake in ("shape", "transposed")
