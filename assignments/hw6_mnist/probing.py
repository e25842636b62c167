"""hw6_mnist's network shape as the submission's own code tells it: the hidden
size its pack/unpack work with, and the layout of its w for any hidden size,
read through its unpack (or pack), each read once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from grader.checks.source import int_constants
from grader.context import CheckContext

from .layout import NUM_INPUT, NUM_OUTPUT, Layout, layout_from_packed, layout_from_unpacked, normalise_blocks, \
    numbered, size_for

DEFAULT_HIDDEN = 40
USUAL_HIDDEN = (40, 50, 30, 64, 100, 20, 32, 60, 80, 128, 25, 200, 256)
"""Hidden sizes tried, after the file's own integer constants, for a file
whose pack/unpack do not fit NUM_HIDDEN (or that has none)."""


@dataclass(frozen=True)
class LayoutFinding:
    layout: Layout
    read: bool
    """The student's own pack/unpack told the layout (else: the stub's, assumed)."""
    how: str
    confirmed: bool = False
    """The student's unpack reads w in this layout exactly (what fCE and
    gradCE rely on); a layout read through pack alone may not be."""


class LayoutProbe:
    """The hidden size and the layouts of w, found through the student's pack/unpack."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self._layouts: dict[int, LayoutFinding] = {}
        self._layout_noted = False

    # -- the network's shape ------------------------------------------------
    @cached_property
    def hidden(self) -> int:
        """The hidden size the student's own pack/unpack work with: NUM_HIDDEN
        when they fit it, else the first of the file's integer constants (then
        the usual sizes) they round-trip exactly with, set as NUM_HIDDEN; 40
        set by the grader when nothing fits and the file has no usable NUM_HIDDEN."""
        value = self.session.get("NUM_HIDDEN").get("NUM_HIDDEN")
        named = int(value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and \
            0 < int(value) <= 2048 and int(value) != NUM_OUTPUT else None
        if named is not None:
            self._layouts[named] = self._read_layout(named, None)
            if self._layouts[named].confirmed:
                return named
        for size, where in self._hidden_candidates(named):
            # Not scoped with NUM_HIDDEN = size: an unpack that reads NUM_HIDDEN
            # would fit any size, and the file may have none to read.
            found = self._read_layout(size, None)
            if found.confirmed:
                self._layouts[size] = found
                self.session.set(NUM_HIDDEN=size)
                why = "the file has no NUM_HIDDEN" if named is None else \
                    f"NUM_HIDDEN = {named} does not fit them"
                self.ctx.note(f"Your pack/unpack round-trip exactly with {size} hidden units ({where}; {why}): the "
                              f"grader used {size} for part (a) and set NUM_HIDDEN = {size}.")
                return size
        if named is not None:
            return named
        self.ctx.note(f"NUM_HIDDEN is missing or not a usable integer, and your pack/unpack fit none of the file's "
                      f"constants or the usual sizes; the grader set NUM_HIDDEN = {DEFAULT_HIDDEN} for part (a).")
        self.session.set(NUM_HIDDEN=DEFAULT_HIDDEN)
        self._layouts.pop(DEFAULT_HIDDEN, None)
        return DEFAULT_HIDDEN

    def _hidden_candidates(self, named: int | None) -> list[tuple[int, str]]:
        """The file's integer constants (module level, then literals in pack and
        unpack), then the usual hidden sizes: each once, never NUM_HIDDEN's."""
        found = [(c.value, c.where) for c in int_constants(self.ctx.source, functions=("unpack", "pack"),
                                                           low=2, high=2048)
                 if c.value not in (NUM_INPUT, NUM_OUTPUT)]
        found += [(size, "a usual hidden size") for size in USUAL_HIDDEN]
        seen: set[int] = {named} if named is not None else set()
        ordered = []
        for size, where in found:
            if size not in seen:
                seen.add(size)
                ordered.append((size, where))
        return ordered

    def layout_for(self, hidden: int | None = None) -> LayoutFinding:
        """The student's layout of w for ``hidden`` units, read through their own
        unpack (or, failing that, pack); the stub's layout if neither works."""
        hidden = hidden or self.hidden
        if hidden not in self._layouts:
            scoped = {"NUM_HIDDEN": hidden} if hidden != self.hidden else None
            self._layouts[hidden] = self._read_layout(hidden, scoped)
        found = self._layouts[hidden]
        if found.read and not found.layout.canonical and hidden == self.hidden and not self._layout_noted:
            self._layout_noted = True
            self.ctx.note(f"Your w layout is {found.layout.describe()} (not the stub's); the grader {found.how} and "
                          "compared gradient blocks up to that layout.")
        return found

    def _read_layout(self, hidden: int, scoped: dict[str, Any] | None) -> LayoutFinding:
        size = size_for(hidden)
        result = self.session.call("unpack", np.arange(size, dtype=np.float64), with_globals=scoped)
        found = layout_from_unpacked(result.value, hidden) if result.ok else None
        if found is not None:
            return LayoutFinding(found, True, "read through your unpack", confirmed=True)
        W1, b1, W2, b2 = numbered(hidden)
        for t1, t2 in ((False, False), (True, True), (True, False), (False, True)):
            packed = self.session.call("pack", W1.T if t1 else W1, b1, W2.T if t2 else W2, b2, with_globals=scoped)
            if packed.ok and (found := layout_from_packed(packed.value, hidden, t1, t2)) is not None:
                return LayoutFinding(found, True, "read through your pack",
                                     confirmed=self._unpack_reads(found, scoped))
        return LayoutFinding(Layout.standard(hidden), False, "the stub's layout (your pack/unpack could not tell)")

    def _unpack_reads(self, layout: Layout, scoped: dict[str, Any] | None) -> bool:
        """Whether the student's unpack gives back blocks packed in ``layout``."""
        rng = self.ctx.public_rng(f"a.layout.{layout.hidden}")
        blocks = tuple(rng.normal(size=shape) for shape in (b.shape for b in numbered(layout.hidden)))
        back = self.session.call("unpack", layout.pack(blocks), with_globals=scoped)
        norm = normalise_blocks(back.value, layout.hidden) if back.ok else None
        return norm is not None and all(np.allclose(a, b) for a, b in zip(norm[0], blocks))

    @property
    def layout(self) -> Layout:
        return self.layout_for().layout

    def known_layouts(self) -> list[Layout]:
        """The layouts read so far, for any hidden size."""
        return [found.layout for found in self._layouts.values() if found.read]

    def read_layouts_for_search(self) -> None:
        """A layout of the file's own kind cannot be told for another hidden
        size while the child is busy searching: read it now for the usual
        sizes (the default one first)."""
        self.layout_for()
        if self.layout.family() is None:
            for size in USUAL_HIDDEN:
                self.layout_for(size)

    def layout_live(self, hidden: int) -> Layout:
        """A layout for ``hidden`` units while the child is busy (mid-search):
        the one read before, or the same kind as the student's default layout."""
        if hidden in self._layouts:
            return self._layouts[hidden].layout
        family = self.layout.family()
        return Layout.standard(hidden, family.w1_transposed, family.w2_transposed) if family else \
            Layout.standard(hidden)
