"""Points: partial credit, ramps and clamping."""

from __future__ import annotations

import math

import pytest

from grader.rubric import Outcome, RubricItem, ramp, score

ITEM = RubricItem(id="a.1", name="item", points=10, check="x")


@pytest.mark.parametrize(
    ("value", "floor", "threshold", "expected"),
    [
        (0.95, 0.90, 0.95, 1.0), (0.99, 0.90, 0.95, 1.0), (0.925, 0.90, 0.95, 0.5), (0.80, 0.90, 0.95, 0.0),
        (0.15, 0.30, 0.16, 1.0), (0.23, 0.30, 0.16, 0.5), (0.50, 0.30, 0.16, 0.0),   # lower is better
        (math.nan, 0.30, 0.16, 0.0),
    ],
)
def test_ramp_is_linear_between_floor_and_threshold(value, floor, threshold, expected):
    assert ramp(value, floor=floor, threshold=threshold) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("fraction", "points", "status"),
    [(1.0, 10, "passed"), (0.25, 2.5, "partial"), (0.0, 0, "failed"), (1.7, 10, "passed"),
     (-3.0, 0, "failed"), (math.nan, 0, "failed"), (math.inf, 0, "failed")],
)
def test_scores_are_clamped_to_the_items_points(fraction, points, status):
    result = score(ITEM, Outcome(fraction, "out", hint="fix it"))
    assert result.score == points and result.status == status
    assert (result.hint is None) == (points == 10)


def test_forced_statuses():
    assert score(ITEM, Outcome.error("raised")).status == "error"
    skipped = score(ITEM, Outcome(1.0, "no data", status="skipped"))
    assert skipped.status == "skipped" and skipped.score == 0
