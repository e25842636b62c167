"""The gradients the usual mistakes give, from the reference's forward pass:
the labels smoothed the wrong way (``network.LABEL_MISTAKES``) and ReLU'(0)
taken as 1. The checks name a mistake when a student's answer is one of these
(``judging.judge_gradient``). The example's are published in
``public_checks.toml`` (a test keeps them equal to these)."""

from __future__ import annotations

import numpy as np

from . import solution
from .judging import Grads
from .network import LABEL_MISTAKES, Instance, smoothed


def variants(inst: Instance) -> dict[str, Grads]:
    """By the key of the mistake's message (``judging.MISTAKES``)."""
    h, a, _, yhat = solution.forward(inst.x, *inst.params)

    def backprop(ys: np.ndarray, passes: np.ndarray) -> Grads:
        dz = yhat - ys
        dh = (inst.W2 @ dz) * passes
        return np.outer(inst.x, dh), dh, np.outer(a, dz), dz

    found = {key: backprop(labels(inst.y, inst.epsilon), h > 0) for key, labels in LABEL_MISTAKES.items()}
    found["relu-prime-at-zero"] = backprop(smoothed(inst.y, inst.epsilon), h >= 0)
    return found


def published(inst: Instance) -> dict[str, Grads]:
    """The ones the example's published answers carry: at the example no h is 0."""
    return {key: grads for key, grads in variants(inst).items() if key in LABEL_MISTAKES}
