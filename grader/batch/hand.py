"""The items graded by hand, as one student's grade: what the manifest
declares (``Assignment.manual``) joined with what a TA entered
(``ResultStore.manual``, written by ``grade manual import``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from grader.assignments import Assignment
from grader.batch.store import Hand


@dataclass(frozen=True)
class HandItem:
    name: str
    max_score: float
    points: float | None
    """None: not graded yet."""
    comment: str = ""


@dataclass(frozen=True)
class HandGrade:
    """One student's items graded by hand."""

    items: tuple[HandItem, ...]

    @property
    def score(self) -> float:
        return sum(item.points or 0.0 for item in self.items)

    @property
    def max_score(self) -> float:
        return sum(item.max_score for item in self.items)

    @property
    def complete(self) -> bool:
        return all(item.points is not None for item in self.items)

    @property
    def started(self) -> bool:
        return any(item.points is not None for item in self.items)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items if item.points is None)


def hand_grade(assignment: Assignment, grades: Mapping[tuple[str, str], Hand], key: str,
               also: tuple[str, ...] = ()) -> HandGrade:
    """The hand-graded items of the student ``key`` (a gradebook row's key); an item stored by none
    of it is looked up by ``also``, the keys the student had before (``login:jsmith`` until a file
    tied the login to a Canvas user id)."""
    items = []
    for item in assignment.manual:
        given = next((grades[(name, item.name)] for name in (key, *also) if (name, item.name) in grades), None)
        items.append(HandItem(item.name, item.points, given.points if given else None,
                              given.comment if given else ""))
    return HandGrade(tuple(items))
