"""Reading a result with care and writing its values into a page: a part of the wrong type
is nothing, said in ``malformed``; every text is escaped."""

from __future__ import annotations

import html
import math
from typing import Any, Mapping

from grader.checks.coerce import quoted


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: Any) -> str:
    try:
        return f"{round(float(value), 2):g}"
    except (TypeError, ValueError, OverflowError):
        return _e(value)


def _number(value: Any) -> float | None:
    return float(value) if _finite(value) else None


def _shown_text(value: Any, limit: int) -> str:
    try:
        text = str(value)
    except Exception:
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unreadable(what: str, value: Any, expected: str) -> str:
    """``run 2: its logged rows could not be read (5, not a list)``."""
    return f"{what} could not be read ({quoted(value)}, not {expected})"


def _list(value: Any, what: str, malformed: list[str]) -> list[Any]:
    """``value`` as a list; anything else but None is nothing, said in ``malformed`` as ``what``."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is not None and what:
        malformed.append(_unreadable(what, value, "a list"))
    return []


def _mapping(value: Any, what: str, malformed: list[str]) -> Mapping[Any, Any]:
    """``value`` as a dict; anything else but None is empty, said in ``malformed`` as ``what``."""
    if isinstance(value, Mapping):
        return value
    if value is not None:
        malformed.append(_unreadable(what, value, "a dict"))
    return {}


def _finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int past any float
        return False
