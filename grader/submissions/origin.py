"""Where a line of the graded source was written: feedback names the place a student can find
(``cell 4, line 2`` of their notebook, ``line 12`` of their file), never a line of a file the
grader put together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """``lines`` lines of the graded source from line ``start`` on, written from line ``first``
    of notebook cell ``cell`` (or of the file, when ``cell`` is None)."""

    start: int
    lines: int
    cell: int | None = None
    first: int = 1


@dataclass(frozen=True)
class Origin:
    """The map from the graded source's lines to the student's own."""

    spans: tuple[Span, ...] = ()
    file: str | None = None
    """The file's name when it came inside a zip or folder (``homework6_jsmith.py``)."""

    def where(self, line: int) -> str:
        for span in self.spans:
            if span.start <= line < span.start + span.lines:
                at = line - span.start + span.first
                if span.cell is not None:
                    return f"{self.file}, cell {span.cell}, line {at}" if self.file else f"cell {span.cell}, line {at}"
                return f"{self.file} line {at}" if self.file else f"line {at}"
        return f"{self.file} line {line}" if self.file else f"line {line}"
