"""Meeting real hw6 files where they are: the w layout their own pack/unpack
define, examples as rows or columns, tuple returns, and the many shapes of
``train`` and ``findBestHyperparameters`` signatures.

Everything here is plain data manipulation in the grader: the student's
functions are only ever called through the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.sandbox import NpyFile

NUM_INPUT, NUM_OUTPUT = 784, 10
BLOCKS = ("W1", "b1", "W2", "b2")
ORIENTATIONS = ("columns", "rows", "X as columns, Y as rows", "X as rows, Y as columns")
HYPERPARAMETERS = ("hidden", "lr", "batch", "epochs", "alpha")
SPEC_SIGNATURE = "train(trainX, trainY, valX, valY, hidden=..., lr=..., batch=..., epochs=..., alpha=...) -> w"
TEMPLATE_SIGNATURE = "train(trainX, trainY, testX, testY, w)"
SEARCH_SIGNATURE = "findBestHyperparameters(trainX, trainY, valX, valY) -> dict of train's keyword arguments"
# Module globals that template-era files read their hyperparameters from.
GLOBAL_CANDIDATES = tuple(
    name for base in ("NUM_HIDDEN", "NUM_EPOCHS", "EPOCHS", "N_EPOCHS", "NEPOCHS", "EPOCH", "BATCH_SIZE", "BATCH",
                      "MINIBATCH_SIZE", "MINI_BATCH_SIZE", "BATCHSIZE", "LEARNING_RATE", "LR", "EPSILON", "ETA",
                      "ALPHA", "REG", "LAMBDA", "LAM", "REGULARIZATION", "REGULARIZATION_STRENGTH", "NUM_ITER")
    for name in (base, base.lower()))


def size_for(hidden: int) -> int:
    return NUM_INPUT * hidden + hidden + NUM_OUTPUT * hidden + NUM_OUTPUT


def hidden_for(size: int) -> int | None:
    hidden, extra = divmod(size - NUM_OUTPUT, NUM_INPUT + 1 + NUM_OUTPUT)
    return hidden if extra == 0 and hidden > 0 else None


def block_shapes(hidden: int) -> tuple[tuple[int, ...], ...]:
    return (hidden, NUM_INPUT), (hidden,), (NUM_OUTPUT, hidden), (NUM_OUTPUT,)


# -- the layout of w -----------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Where each entry of the canonical blocks (W1 (H, 784), b1, W2 (10, H), b2)
    sits in a student's packed vector w."""

    hidden: int
    index: tuple[np.ndarray, ...]
    w1_transposed: bool = False
    w2_transposed: bool = False

    @classmethod
    def standard(cls, hidden: int, w1_transposed: bool = False, w2_transposed: bool = False) -> Layout:
        """The stub's order W1, b1, W2, b2, with either weight stored transposed."""
        index, start = [], 0
        for k, shape in enumerate(block_shapes(hidden)):
            count = int(np.prod(shape))
            block = np.arange(start, start + count)
            if (k == 0 and w1_transposed) or (k == 2 and w2_transposed):
                block = block.reshape(shape[::-1]).T
            index.append(block.reshape(shape))
            start += count
        return cls(hidden, tuple(index), w1_transposed, w2_transposed)

    @property
    def size(self) -> int:
        return size_for(self.hidden)

    @property
    def canonical(self) -> bool:
        return self.same_as(Layout.standard(self.hidden))

    def same_as(self, other: Layout) -> bool:
        return self.hidden == other.hidden and all(np.array_equal(a, b) for a, b in zip(self.index, other.index))

    def family(self) -> Layout | None:
        """This layout for another hidden size, if it is one of the standard kinds."""
        same = Layout.standard(self.hidden, self.w1_transposed, self.w2_transposed)
        return same if self.same_as(same) else None

    def blocks(self, w: np.ndarray) -> tuple[np.ndarray, ...]:
        w = np.asarray(w, dtype=np.float64).ravel()
        return tuple(w[i] for i in self.index)

    def pack(self, blocks: tuple[np.ndarray, ...]) -> np.ndarray:
        w = np.empty(self.size)
        for i, block in zip(self.index, blocks):
            w[i] = block
        return w

    def student_blocks(self, blocks: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """Canonical blocks in the orientation the student stores them."""
        W1, b1, W2, b2 = blocks
        return (W1.T if self.w1_transposed else W1), b1, (W2.T if self.w2_transposed else W2), b2

    def describe(self) -> str:
        if self.canonical:
            return "W1 (H, 784), b1, W2 (10, H), b2 flattened row-major, in that order"
        if self.family() is not None:
            w1 = "(784, H)" if self.w1_transposed else "(H, 784)"
            w2 = "(H, 10)" if self.w2_transposed else "(10, H)"
            return f"W1 stored as {w1} and W2 as {w2}, packed in the order W1, b1, W2, b2"
        return "its own order of the entries of W1, b1, W2, b2"


def normalise_blocks(value: Any, hidden: int | None = None) -> tuple[tuple[np.ndarray, ...], bool, bool] | None:
    """(W1, b1, W2, b2) in canonical shapes from a student's 4-tuple, with
    whether W1 / W2 came transposed; None if it is not such a tuple."""
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        return None
    try:
        arrays = [np.asarray(v, dtype=np.float64) for v in value]
    except (TypeError, ValueError):
        return None
    W1, b1, W2, b2 = arrays
    if W1.ndim != 2 or W2.ndim != 2 or b2.size != NUM_OUTPUT:
        return None
    t1 = W1.shape[0] == NUM_INPUT and W1.shape[1] != NUM_INPUT
    if t1:
        W1 = W1.T
    h = W1.shape[0]
    if W1.shape != (h, NUM_INPUT) or (hidden is not None and h != hidden) or b1.size != h:
        return None
    t2 = W2.shape == (h, NUM_OUTPUT) and h != NUM_OUTPUT
    if t2:
        W2 = W2.T
    if W2.shape != (NUM_OUTPUT, h):
        return None
    return (W1, b1.reshape(h), W2, b2.reshape(NUM_OUTPUT)), t1, t2


def layout_from_unpacked(value: Any, hidden: int) -> Layout | None:
    """The layout, from what the student's unpack made of w = [0, 1, 2, ...]."""
    found = normalise_blocks(value, hidden)
    if found is None:
        return None
    blocks, t1, t2 = found
    index = tuple(np.rint(b).astype(np.int64) for b in blocks)
    flat = np.concatenate([i.ravel() for i in index])
    if not np.array_equal(np.sort(flat), np.arange(size_for(hidden))) or not all(
            np.allclose(i, b) for i, b in zip(index, blocks)):
        return None
    return Layout(hidden, index, t1, t2)


def layout_from_packed(value: Any, hidden: int, t1: bool, t2: bool) -> Layout | None:
    """The layout, from what the student's pack made of blocks numbered 0, 1, 2, ..."""
    try:
        w = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if w.size != size_for(hidden) or not np.array_equal(np.sort(w), np.arange(w.size)):
        return None
    position = np.empty(w.size, dtype=np.int64)
    position[np.rint(w).astype(np.int64)] = np.arange(w.size)
    index, start = [], 0
    for shape in block_shapes(hidden):
        count = int(np.prod(shape))
        index.append(position[start:start + count].reshape(shape))
        start += count
    return Layout(hidden, tuple(index), t1, t2)


# -- data orientation -------------------------------------------------------------
def orient(X: Any, Y: Any, orientation: str) -> tuple[Any, Any]:
    """Arrays given with examples as columns, in the student's orientation.
    ``NpyFile`` (stored with examples as rows) is oriented the same way."""
    x_rows = orientation in ("rows", "X as rows, Y as columns")
    y_rows = orientation in ("rows", "X as columns, Y as rows")

    def one(a: Any, rows: bool) -> Any:
        if isinstance(a, NpyFile):
            return NpyFile(a.path, transpose=not rows)
        return np.ascontiguousarray(a.T) if rows else a

    return one(X, x_rows), one(Y, y_rows)


def scalar(value: Any) -> tuple[float | None, bool]:
    """The number a loss function returned, and whether it came in a tuple."""
    tupled = False
    if isinstance(value, (tuple, list)) and value:
        value, tupled = value[0], True
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None, tupled
    return (float(array.reshape(())) if array.size == 1 else None), tupled


def packed_vector(value: Any, size: int) -> tuple[np.ndarray | None, str | None]:
    """A packed vector of ``size`` from a return value: w itself, the first
    item of a tuple, or the last of a list of vectors (weights visited)."""
    def vector(v: Any) -> np.ndarray | None:
        if isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and v.size == size and (v.ndim == 1 or 1 in v.shape):
            return v.astype(np.float64).ravel()
        return None

    if (found := vector(value)) is not None:
        return found, None
    if isinstance(value, (list, tuple)) and value:
        vectors = [vector(v) for v in value]
        if len(value) > 1 and all(v is not None for v in vectors):
            return vectors[-1], "returned a list of the weights it visited; the last one was used"
        if vectors[0] is not None:
            return vectors[0], "returned a tuple; its first item was used as w"
    return None, None


# -- parameters ---------------------------------------------------------------------
_ROLE_PATTERNS = (
    ("w", r"(w|w0|winit|initw|initialw|weights?|theta|params|wts)"),
    ("hidden", r".*hidden.*|h|nh|numh|units|hiddenunits|hiddensize|numneurons"),
    ("batch", r".*batch.*|bs|ntilde|mb|mbs|minibatch"),
    ("epochs", r".*epoch.*|e|ne|numiter|niter|iters|iterations|numiterations"),
    ("alpha", r".*(alpha|reg|lam|lmbda|l2|penalty|decay|beta).*"),
    ("lr", r".*(lr|learn|eta|epsilon|eps|step|rate).*"),
)


def role(name: str) -> str | None:
    """What a parameter or global is for, from its name (the course's names
    and the ones real files use)."""
    key = re.sub(r"[_\s]", "", name.lower())
    for kind in ("X", "Y"):
        if _data_kind(key) == kind:
            return ("val" if re.search(r"val|test|dev|valid|te$|^te", key) else "train") + kind
    for found, pattern in _ROLE_PATTERNS:
        if re.fullmatch(pattern, key):
            return found
    return None


def _data_kind(key: str) -> str | None:
    if re.search(r"label|target|^y|y$|^yy|onehot", key):
        return "Y"
    if re.search(r"image|img|^x|x$|data|input|feature", key):
        return "X"
    return None


@dataclass
class CallPlan:
    """How to call a function with the roles the grader has values for."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    args: list[Any] = field(default_factory=list)
    used: dict[str, str] = field(default_factory=dict)
    """role -> the student's parameter name."""
    problem: str | None = None
    adapted: list[str] = field(default_factory=list)


def plan_call(params: list[dict[str, Any]] | None, values: dict[str, Any], *, what: str, expected: str) -> CallPlan:
    """Match a signature's parameters to the values the grader has, by name,
    falling back to the template's positional order for the data."""
    plan = CallPlan()
    if params is None:
        plan.problem = f"the signature of {what} could not be read; expected {expected}"
        return plan
    positional = [p for p in params if p["kind"] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")]
    roles = {p["name"]: role(p["name"]) for p in params}
    data_roles = ("trainX", "trainY", "valX", "valY")
    named = [roles[p["name"]] for p in positional[:4]]
    if len(positional) >= 4 and sorted(filter(None, named)) != sorted(data_roles) and \
            all(r in (None, *data_roles) for r in named) and not any(r in data_roles for r in roles.values()
                                                                       if r not in named):
        for p, r in zip(positional[:4], data_roles):  # the template's order, whatever the names
            roles[p["name"]] = r
    signature = ", ".join(p["name"] + ("=..." if p["default"] else "") for p in params
                          if p["kind"] not in ("VAR_POSITIONAL", "VAR_KEYWORD"))
    for p in params:
        name, kind = p["name"], p["kind"]
        if kind == "VAR_KEYWORD":
            for key in HYPERPARAMETERS:
                if key in values and key not in plan.used:
                    plan.kwargs[key] = values[key]
                    plan.used[key] = f"**{name}"
            continue
        if kind == "VAR_POSITIONAL":
            continue
        r = roles[name]
        if r in values and r not in plan.used:
            value = values[r]
            if kind == "POSITIONAL_ONLY":
                plan.args.append(value)
            else:
                plan.kwargs[name] = value
            plan.used[r] = name
        elif not p["default"]:
            plan.problem = (f"{what}({signature}) has a required parameter {name!r} the grader cannot fill; "
                            f"expected {expected}")
            return plan
        elif kind == "POSITIONAL_ONLY":
            plan.problem = f"{what}({signature}): cannot skip the positional-only parameter {name!r}"
            return plan
    return plan


def hyper_globals(found: dict[str, Any]) -> dict[str, str]:
    """role -> global name, for the module's hyperparameter globals."""
    roles: dict[str, str] = {}
    for name, value in found.items():
        r = role(name)
        if r in HYPERPARAMETERS and isinstance(value, (int, float)) and not isinstance(value, bool):
            roles.setdefault(r, name)
    return roles


def cast(role_name: str, value: float) -> Any:
    return int(value) if role_name in ("hidden", "batch", "epochs") else float(value)


def search_function(functions: dict[str, Any]) -> tuple[str | None, str | None]:
    """The search function's name, accepting misspellings of
    findBestHyperparameters (case, underscores, 'params'); and a note."""
    if "findBestHyperparameters" in functions:
        return "findBestHyperparameters", None
    for name in functions:
        key = re.sub(r"_", "", name.lower())
        if key.startswith("findbesthyper") or key in ("findbestparams", "findbestparameters", "findbest"):
            return name, (f"findBestHyperparameters is spelled {name} in your file; it was graded under that name "
                          "(the course's name is findBestHyperparameters, exactly)")
    return None, None
