"""How hw6_mnist's fCE, gradCE (and a forward function) must be called as the
file wrote them: which parameter takes X, Y and w, which take forward-pass
values (and where in the student's own tuple those are), and which hide a
regularisation strength behind a default."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
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
NOT_ZEROED = ("hidden",)
"""Roles whose numeric defaults are no regularisation strength: a size.
(Data and weights are never a number; any other number a loss takes,
whatever its name, may hide a regulariser.)"""
BLOCK_NAMES = ("W1", "b1", "W2", "b2")
FUNCTIONS = {
    "fCE": "fCE(X, Y, w) -> float, X (784, n), Y (10, n)",
    "gradCE": "gradCE(X, Y, w) -> vector packed like w",
    "pack": "pack(W1, b1, W2, b2) -> w",
    "unpack": "unpack(w) -> (W1, b1, W2, b2)",
}


@dataclass(frozen=True)
class Zeroing:
    """One way to switch a function's hidden regularisers off: parameters with
    a non-zero default, and numeric module globals it reads, set to 0."""

    arguments: tuple[str, ...]
    globals: tuple[tuple[str, float], ...]

    @property
    def overrides(self) -> dict[str, float]:
        return {name: 0.0 for name in self.arguments}

    @property
    def with_globals(self) -> dict[str, float] | None:
        return {name: 0.0 for name, _ in self.globals} or None

    @property
    def how(self) -> str:
        """``by default``, ``through a module global``, or both."""
        ways = ["by default"] if self.arguments else []
        if self.globals:
            ways.append("through module globals" if len(self.globals) > 1 else "through a module global")
        return " and ".join(ways)

    def why(self, function: str) -> str:
        """What holds the regularisation, and what makes the answer right."""
        parts = []
        if self.arguments:
            names = self.arguments
            parts.append(f"{', '.join(names)} {'defaults' if len(names) == 1 else 'default'} to non-zero; correct "
                         f"with {'=0, '.join(names)}=0")
        if self.globals:
            shown = ", ".join(f"{name} = {value:g}" for name, value in self.globals)
            zeros = ", ".join(f"{name} = 0" for name, _ in self.globals)
            parts.append(f"{function} reads the module global{'s' if len(self.globals) > 1 else ''} {shown}; "
                         f"correct with {zeros}")
        return "; ".join(parts)

    def note(self, function: str) -> str | None:
        """Said once: the grader changed a global of the file to see it."""
        if not self.globals:
            return None
        shown = ", ".join(f"{name} = {value:g}" for name, value in self.globals)
        zeros = ", ".join(f"{name} = 0" for name, _ in self.globals)
        return (f"{function} reads the module global{'s' if len(self.globals) > 1 else ''} {shown} as a "
                f"regularisation strength: the grader also called it with {zeros}, and it is right then: half "
                f"credit where that changes the answer ({function} must not regularise; train adds alpha * W).")


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
    blocks: dict[str, str] = field(default_factory=dict)
    """W1, b1, W2, b2 -> the parameter each goes to, for a function that takes
    the weights as separate blocks instead of w (empty: it takes w)."""
    regulariser_globals: tuple[tuple[str, float], ...] = ()
    """Numeric module globals the function reads (``ALPHA = 0.01``): where a
    regularisation hides when it is not a parameter."""

    @property
    def hides_regulariser(self) -> bool:
        return bool(self.zeroable or self.regulariser_globals)

    def zeroings(self) -> list[Zeroing]:
        """Ways to switch the hidden regularisers off: all at once, then each
        alone (a size among them would make the call fail with all at 0)."""
        every = [Zeroing((name,), ()) for name in self.zeroable] + [Zeroing((), (g,))
                                                                    for g in self.regulariser_globals]
        together = Zeroing(self.zeroable, self.regulariser_globals)
        return [together] + (every if len(every) > 1 else []) if every else []

    @property
    def positional(self) -> bool:
        return not self.data

    def arguments(self, X: Any, Y: Any, w: Any, forward: dict[str, Any] | None = None,
                  blocks: tuple[Any, ...] = ()) -> dict[str, Any]:
        values = {"X": X, "Y": Y, "w": w}
        found = {name: values[what] for what, name in self.data.items()}
        found.update({name: (forward or {})[kind] for kind, name in self.forward.items()})
        found.update({name: blocks[BLOCK_NAMES.index(block)] for block, name in self.blocks.items()})
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
    named = {re.sub(r"[_\s]", "", p.name.lower()): p.name for p in usable if not p.has_default}
    blocks = {block: named[block.lower()] for block in BLOCK_NAMES if block.lower() in named}
    if len(blocks) < len(BLOCK_NAMES) or "w" in {role(p.name) for p in usable}:
        blocks = {}
    for p in usable:
        if p.name in blocks.values():
            continue
        kind = _forward_kind(p.name) if not p.has_default else None
        r = role(p.name)
        what = "X" if r in ("trainX", "valX") else "Y" if r in ("trainY", "valY") else "w" if r == "w" else None
        if kind is not None and kind not in forward:
            forward[kind] = p.name
        elif what is not None and what not in data:
            data[what] = p.name
        else:
            unassigned.append(p)
    for what in ("X", "Y") if blocks else ("X", "Y", "w"):  # the stub's order for parameters whose names say nothing
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
    if "X" not in data or ("w" not in data and not blocks):
        return LossCall({}, {}, {}, (), tuple(params))  # the stub's (X, Y, w) by position
    return LossCall(data, forward, fixed, tuple(zeroable), tuple(params), blocks)


SIZE_CONSTANTS = ("NUM_INPUT", "NUM_HIDDEN", "NUM_OUTPUT", "NUM_CHECK")


def regulariser_globals(source: str, function: str) -> tuple[tuple[str, float], ...]:
    """Module-level ``NAME = <number>`` (non-zero; a float, or an int named
    like a regularisation strength) that ``function``, or a module function it
    calls, reads: where a regulariser hides when it is no parameter. Read from
    the file's text; a file that does not parse gives nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    numbers: dict[str, float] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        for target in targets:
            if not isinstance(target, ast.Name) or target.id in SIZE_CONSTANTS:
                continue
            number = value.value if isinstance(value, ast.Constant) else None
            if isinstance(number, (int, float)) and not isinstance(number, bool) and number != 0 and (
                    isinstance(number, float) or role(target.id) == "alpha"):
                numbers[target.id] = float(number)
            else:
                numbers.pop(target.id, None)
    defined = {node.name: node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    read: list[str] = []
    todo, seen = [function], set()
    while todo:
        name = todo.pop(0)
        if name in seen or name not in defined:
            continue
        seen.add(name)
        body = defined[name]
        local = {a.arg for a in ast.walk(body.args) if isinstance(a, ast.arg)} | {
            n.id for n in ast.walk(body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        local -= {n for g in ast.walk(body) if isinstance(g, ast.Global) for n in g.names}
        for node in ast.walk(body):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in numbers and node.id not in local and node.id not in read:
                    read.append(node.id)
                elif node.id in defined:
                    todo.append(node.id)
    return tuple((name, numbers[name]) for name in read)


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
