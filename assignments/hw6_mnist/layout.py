"""The layout of w in hw6_mnist: where each entry of the blocks W1 (H, 784),
b1 (H,), W2 (10, H), b2 (10,) sits in a student's packed w, read through
their own pack/unpack (W1 stored as (784, H), another order, or w a matrix
with padding, such as W1 over b1 over W2 over a padded b2 row)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.checks import coerce

NUM_INPUT, NUM_OUTPUT = 784, 10
BLOCKS = ("W1", "b1", "W2", "b2")
Blocks = tuple[np.ndarray, ...]


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
    """Per block, the positions of its entries in w (flattened row-major)."""
    w1_transposed: bool = False
    w2_transposed: bool = False
    shape: tuple[int, ...] | None = None
    """w's shape when it is not a flat vector of exactly the entries (a matrix,
    perhaps with unused entries); None for the usual 1-d vector."""

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
        """The number of weights (w may hold more entries: ``storage``)."""
        return size_for(self.hidden)

    @property
    def storage(self) -> int:
        """The number of entries of w, unused ones included."""
        return int(np.prod(self.shape)) if self.shape is not None else self.size

    @property
    def canonical(self) -> bool:
        return self.same_as(Layout.standard(self.hidden))

    def same_as(self, other: Layout) -> bool:
        return self.hidden == other.hidden and self.shape == other.shape and all(
            np.array_equal(a, b) for a, b in zip(self.index, other.index))

    def family(self) -> Layout | None:
        """This layout for another hidden size, if it is one of the standard kinds."""
        same = Layout.standard(self.hidden, self.w1_transposed, self.w2_transposed)
        return same if self.same_as(same) else None

    def blocks(self, w: np.ndarray) -> tuple[np.ndarray, ...]:
        w = np.asarray(w, dtype=np.float64).ravel()
        return tuple(w[i] for i in self.index)

    def pack(self, blocks: tuple[np.ndarray, ...]) -> np.ndarray:
        w = np.zeros(self.storage)
        for i, block in zip(self.index, blocks):
            w[i] = block
        return w.reshape(self.shape) if self.shape is not None else w

    def flat(self, blocks: tuple[np.ndarray, ...]) -> np.ndarray:
        """``pack`` as one flat vector of w's entries (what ``index`` indexes)."""
        return self.pack(blocks).ravel()

    def read(self, value: Any) -> tuple[np.ndarray | None, str | None]:
        """A value shaped like w (a gradient, trained weights) as a flat
        vector of w's entries, with how it was read; None if it is not one."""
        if self.shape is not None:
            for item in ([value] + ([value[0]] if isinstance(value, (list, tuple)) and value else [])):
                if isinstance(item, np.ndarray) and item.shape == self.shape and item.dtype.kind in "biuf":
                    return item.astype(np.float64).ravel(), (None if item is value else
                                                             "returned a tuple; its first item was used as w")
            return None, None
        return coerce.packed_vector(value, self.size)

    def student_blocks(self, blocks: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """Canonical blocks in the orientation the student stores them."""
        W1, b1, W2, b2 = blocks
        return (W1.T if self.w1_transposed else W1), b1, (W2.T if self.w2_transposed else W2), b2

    def describe(self) -> str:
        if self.shape is not None:
            w1 = "(784, H)" if self.w1_transposed else "(H, 784)"
            unused = self.storage - self.size
            return (f"one {' x '.join(map(str, self.shape))} array holding W1 {w1}, b1, W2 and b2"
                    + (f" ({unused} entries unused)" if unused else ""))
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


def numbered(hidden: int) -> Blocks:
    """Canonical blocks whose entries are numbered 1, 2, 3, ... in the stub's
    order (0 is left for the unused entries a packed matrix may have)."""
    return Layout.standard(hidden).blocks(np.arange(1, size_for(hidden) + 1, dtype=np.float64))


def layout_from_packed(value: Any, hidden: int, t1: bool, t2: bool) -> Layout | None:
    """The layout, from what the student's pack made of ``numbered`` blocks:
    every number exactly once, anywhere in an array of any shape, and zeros
    in the entries no weight uses."""
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf" or value.size < size_for(hidden):
        return None
    flat = value.astype(np.float64).ravel()
    size = size_for(hidden)
    ids = np.rint(flat)
    used = (ids >= 1) & (ids <= size) & (flat == ids)
    if int(used.sum()) != size or np.any(flat[~used] != 0):
        return None
    positions = np.nonzero(used)[0]
    order = ids[positions].astype(np.int64) - 1
    if np.unique(order).size != size:
        return None
    position = np.empty(size, dtype=np.int64)
    position[order] = positions
    index, start = [], 0
    for shape in block_shapes(hidden):
        count = int(np.prod(shape))
        index.append(position[start:start + count].reshape(shape))
        start += count
    flat_vector = value.size == size and (value.ndim == 1 or 1 in value.shape)
    return Layout(hidden, tuple(index), t1, t2, None if flat_vector else tuple(int(d) for d in value.shape))


def pack(blocks: Blocks) -> np.ndarray:
    """The stub's packing of canonical blocks: W1, b1, W2, b2 flattened row-major."""
    return np.concatenate([np.ravel(block) for block in blocks]).astype(np.float64)


def unpack(w: np.ndarray, hidden: int | None = None) -> Blocks:
    """Canonical blocks from a vector in the stub's packing."""
    found = hidden_for(np.size(w)) if hidden is None else hidden
    if found is None:
        raise ValueError(f"a vector of {np.size(w)} entries is no packed network")
    return Layout.standard(found).blocks(w)
