"""Figures a classification check leaves for the HTML report: the confusion
matrix of the chosen model on the test set and a few misclassified images.
The grader computes them with its own forward pass; nothing here runs
student code."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from grader.context import CheckContext

SHOWN = 8
"""Misclassified test images kept for the report."""


def classification(predicted: np.ndarray, labels: np.ndarray, images: np.ndarray | None = None, *,
                   classes: Sequence[str], side: int = 28, shown: int = SHOWN) -> dict[str, Any]:
    """``predicted`` and ``labels`` as class indices (n,); ``images`` (n,
    side*side) in any range, kept as 8-bit grey levels for the first
    ``shown`` mistakes."""
    predicted = np.asarray(predicted, dtype=np.int64).ravel()
    labels = np.asarray(labels, dtype=np.int64).ravel()
    k = len(classes)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    wrong = np.flatnonzero(predicted != labels)[:shown]
    examples = []
    for i in wrong:
        example: dict[str, Any] = {"index": int(i), "label": int(labels[i]), "predicted": int(predicted[i])}
        if images is not None:
            example["pixels"] = grey_levels(np.asarray(images[i]).reshape(side, side))
            example["side"] = side
        examples.append(example)
    return {"classes": list(classes), "confusion": confusion.tolist(), "misclassified": examples,
            "rows": "true class", "columns": "predicted class"}


def grey_levels(image: np.ndarray) -> str:
    """An image as base64 of its 8-bit grey levels (row-major), scaled from its own range."""
    image = np.asarray(image, dtype=np.float64)
    low, high = float(image.min()), float(image.max())
    scaled = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return base64.b64encode(np.round(scaled * 255).astype(np.uint8).tobytes()).decode("ascii")


def threshold(value: float, *, threshold: float, floor: float, lower_is_better: bool) -> dict[str, Any]:
    """A test figure against the rubric's threshold and the floor of its ramp."""
    return {"value": value, "threshold": threshold, "floor": floor, "lower_is_better": lower_is_better}


def leave_test(ctx: CheckContext, *, model: str, measured: Mapping[str, Mapping[str, Any]], predicted: np.ndarray,
               labels: np.ndarray, images: np.ndarray | None, classes: Sequence[str]) -> None:
    """The report's ``test`` figure: the chosen model, its test figures
    (``threshold(...)`` or ``{"value": ...}`` each), and ``classification``."""
    ctx.figure("test", {"model": model, "profile": ctx.profile.name, "figures": dict(measured),
                        **classification(predicted, labels, images, classes=classes)})
