"""How hw6_mnist's fCE, gradCE (and a forward function) must be called as the
file wrote them: which parameter takes X, Y and w, which take forward-pass
values (and where in the student's own tuple those are), and which hide a
regularisation strength behind a default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.checks.signature import role
from grader.sandbox.session import Param, Signature

from .layout import NUM_OUTPUT

FORWARD_KINDS = ("z1", "h1", "z2", "yhat")
_FORWARD_NAMES = (
    ("yhat", r"y?hat\d?|yh|ypred|preds?|probs?|p|a2|h2|outputs?|softmax|yprob|yp|predictions?"),
    ("z2", r"z2|logits?|scores?"),
    ("z1", r"z1?|zhid|zhidden|pre1?|preact(ivation)?1?"),
    ("h1", r"h1?|a1?|act1?|relu1?|activations?1?|hid|hiddenout|hiddenact"),
)
"""Course names of the forward pass's values, as parameters of gradCE."""
FORWARD_FUNCTIONS = ("forward", "feedforward", "feed_forward", "forward_prop", "forwardProp", "forward_pass",
                     "forwardPass", "forwardPropagation", "forward_propagation", "fprop")
NOT_ZEROED = ("trainX", "trainY", "valX", "valY", "w", "hidden", "lr", "batch", "epochs")
"""Roles whose defaults are no regularisation strength."""
FUNCTIONS = {
    "fCE": "fCE(X, Y, w) -> float, X (784, n), Y (10, n)",
    "gradCE": "gradCE(X, Y, w) -> vector packed like w",
    "pack": "pack(W1, b1, W2, b2) -> w",
    "unpack": "unpack(w) -> (W1, b1, W2, b2)",
}


@dataclass(frozen=True)
class LossCall:
    """How to call fCE or gradCE (or a forward function) as the file wrote it."""

    data: dict[str, str]
    """``X``, ``Y``, ``w`` -> the parameter each goes to (by name; empty: positionally)."""
    forward: dict[str, str]
    """Forward-pass values the function takes: course name (z1, h1, z2, yhat) -> parameter."""
    fixed: dict[str, Any]
    """Other required parameters and what the grader passes: 0 for a
    regularisation strength or any number that is not data, NUM_HIDDEN for a size."""
    zeroable: tuple[str, ...]
    """Parameters with a non-zero numeric default that are not data: where a
    regularisation on by default hides."""
    params: tuple[Param, ...] | None

    @property
    def positional(self) -> bool:
        return not self.data

    def arguments(self, X: Any, Y: Any, w: Any, forward: dict[str, Any] | None = None) -> dict[str, Any]:
        values = {"X": X, "Y": Y, "w": w}
        found = {name: values[what] for what, name in self.data.items()}
        found.update({name: (forward or {})[kind] for kind, name in self.forward.items()})
        return {**found, **self.fixed}


@dataclass(frozen=True)
class ForwardSource:
    """Where gradCE's forward-pass values come from: the student's own fCE
    (a tuple) or forward function, and which item is which."""

    function: str
    positions: dict[str, int]

    def describe(self, params: tuple[str, ...]) -> str:
        items = ", ".join(f"{kind} (item {index + 1})" for kind, index in sorted(self.positions.items(),
                                                                                  key=lambda pair: pair[1])
                          if kind in params)
        return f"your {self.function}'s tuple: {items}"


def plan_loss_call(params: Signature | None, hidden: Callable[[], int]) -> LossCall:
    """How a function takes the data, w, forward-pass values and anything else,
    from its parameters' names (the stub's positions when names say nothing);
    ``hidden()`` gives the size a required hidden-size parameter gets."""
    if params is None:
        return LossCall({}, {}, {}, (), None)
    usable = [p for p in params if not p.variadic]
    data: dict[str, str] = {}
    forward: dict[str, str] = {}
    fixed: dict[str, Any] = {}
    zeroable: list[str] = []
    unassigned: list[Param] = []
    for p in usable:
        kind = _forward_kind(p.name) if not p.has_default else None
        r = role(p.name)
        what = "X" if r in ("trainX", "valX") else "Y" if r in ("trainY", "valY") else "w" if r == "w" else None
        if kind is not None and kind not in forward:
            forward[kind] = p.name
        elif what is not None and what not in data:
            data[what] = p.name
        else:
            unassigned.append(p)
    for what in ("X", "Y", "w"):  # the stub's order for parameters whose names say nothing
        if what not in data:
            taken = set(data.values()) | set(forward.values())
            spare = next((p for p in unassigned if p.positional and p.name not in taken and not p.has_default
                          and role(p.name) in (None, "trainX", "trainY", "valX", "valY")), None)
            if spare is not None:
                data[what] = spare.name
                unassigned.remove(spare)
    for p in unassigned:
        r = role(p.name)
        if not p.has_default:
            fixed[p.name] = hidden() if r == "hidden" else 0.0
        elif isinstance(p.default, (int, float)) and not isinstance(p.default, bool) and p.default != 0 and \
                r not in NOT_ZEROED:
            zeroable.append(p.name)
    if "X" not in data or "w" not in data:
        return LossCall({}, {}, {}, (), tuple(params))  # the stub's (X, Y, w) by position
    return LossCall(data, forward, fixed, tuple(zeroable), tuple(params))


def _forward_kind(name: str) -> str | None:
    """The forward-pass value a parameter's name stands for (z1, h1, z2, yhat), if any."""
    key = re.sub(r"[_\s]", "", name.lower())
    return next((kind for kind, pattern in _FORWARD_NAMES if re.fullmatch(pattern, key)), None)


def forward_positions(value: Any, ours: dict[str, np.ndarray], rows: bool, hidden: int,
                       n: int) -> dict[str, int]:
    """Which item of a returned tuple is which forward-pass value: the ones
    equal to the grader's own first, then by shape (hidden-sized: h1 when it
    has no negative entry, else z1; class-sized: yhat when it sums to 1 per
    example, else z2). Empty unless at least two arrays are found."""
    if not isinstance(value, (tuple, list)):
        return {}
    arrays = {i: item for i, item in enumerate(value) if isinstance(item, np.ndarray) and item.ndim == 2
              and item.dtype.kind in "biuf"}
    found: dict[str, int] = {}
    for kind in ("yhat", "z2", "h1", "z1"):
        target = ours[kind].T if rows else ours[kind]
        for i, item in arrays.items():
            if i not in found.values() and item.shape == target.shape and np.allclose(item, target, rtol=1e-6,
                                                                                       atol=1e-9):
                found[kind] = i
                break
    for i, item in arrays.items():
        if i in found.values():
            continue
        if item.shape in ((hidden, n), (n, hidden)):
            kind = "h1" if "h1" not in found and bool(np.all(item >= 0)) else "z1"
        elif item.shape in ((NUM_OUTPUT, n), (n, NUM_OUTPUT)):
            sums = item.sum(axis=1 if rows else 0)
            kind = "yhat" if "yhat" not in found and np.allclose(sums, 1) else "z2"
        else:
            continue
        found.setdefault(kind, i)
    return found if len(found) >= 2 else {}
