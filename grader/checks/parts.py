"""Comparing a returned tuple part by part (``(W1, b1, W2, b2)``, ``(dW, db)``):
each part against its expected value, the fraction right, and what is wrong
with each wrong part, in one message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from grader.checks.numeric import Comparison, compare


@dataclass(frozen=True)
class Part:
    name: str
    expected: Any
    options: Mapping[str, Any] = field(default_factory=dict)
    """Keyword arguments for ``compare`` (tolerances, named factors...)."""


@dataclass(frozen=True)
class PartsVerdict:
    total: int
    wrong: tuple[tuple[str, Comparison], ...] = ()
    problem: str | None = None
    """Set when the value is not a tuple of the right length at all."""

    @property
    def right(self) -> int:
        return 0 if self.problem else self.total - len(self.wrong)

    @property
    def fraction(self) -> float:
        return self.right / self.total if self.total else 0.0

    @property
    def mistakes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.mistake for _, c in self.wrong if c.mistake))

    def wrong_named(self, mistake: str) -> list[str]:
        return [name for name, c in self.wrong if c.mistake == mistake]

    def message(self, *, separator: str = " ", limit: int | None = None) -> str:
        if self.problem:
            return self.problem
        shown = self.wrong if limit is None else self.wrong[:limit]
        return "; ".join(f"{name}{separator}{c.message}" for name, c in shown)


def compare_parts(got: Any, parts: Sequence[Part], *, what: str | None = None) -> PartsVerdict:
    """Compare ``got`` (a tuple or list) with the expected parts, in order."""
    names = ", ".join(p.name for p in parts)
    if not isinstance(got, (tuple, list)) or len(got) != len(parts):
        return PartsVerdict(len(parts), problem=what or f"expected the tuple ({names})")
    wrong = []
    for part, value in zip(parts, got):
        found = compare(value, part.expected, **part.options)
        if not found.ok:
            wrong.append((part.name, found))
    return PartsVerdict(len(parts), tuple(wrong))
