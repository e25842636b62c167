"""A search whose data come in one bundle: ``findBestHyperparameters(data)``
with ``data`` a tuple ``(trainX, trainY, valX, valY)`` or a dict, or
``findBestHyperparameters(**kwargs)`` reading ``kwargs["trainX"]``. The
submission's own text says which keys it reads (``data["X_train"]``,
``kwargs.get("valY")``); each key gets the data its name stands for. Without
such keys a bundle parameter gets the course's order as a tuple, and
``**kwargs`` the course's names."""

from __future__ import annotations

import ast
import re
from typing import Any, Mapping, Sequence

from grader.checks.signature import DATA_ROLES, CallPlan, role
from grader.sandbox.session import Param

BUNDLE = re.compile(r"(all)?(data|dataset|datasets|datas|d|splits|mnist|datadict|datatuple|alldata)")
"""Names of a parameter that holds all the data (after lower-casing and dropping underscores)."""


def keys_read(source: str, function: str, parameter: str) -> list[str]:
    """The string keys ``function`` reads from its parameter (``p["k"]``, ``p.get("k")``), in order."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    keys: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != function:
            continue
        for inner in ast.walk(node):
            key = None
            if isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and inner.value.id == parameter:
                key = inner.slice
            elif isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "get" \
                    and isinstance(inner.func.value, ast.Name) and inner.func.value.id == parameter and inner.args:
                key = inner.args[0]
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value not in keys:
                keys.append(key.value)
    return keys


def _by_key(keys: Sequence[str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Each key whose name says which data it is, with that data."""
    return {key: values[r] for key in keys if (r := role(key)) in DATA_ROLES and r in values}


def bundled(params: Sequence[Param] | None, values: Mapping[str, Any], *, source: str,
            function: str) -> tuple[CallPlan, str] | None:
    """The call of a search that takes its data in one bundle, and the note
    saying how it was made; None for any other signature."""
    if params is None or any(role(p.name) in DATA_ROLES and not BUNDLE.fullmatch(_key(p.name)) for p in params):
        return None
    required = [p for p in params if not p.variadic and not p.has_default]
    wanted = set(DATA_ROLES)
    plan = CallPlan()
    if len(required) == 1 and BUNDLE.fullmatch(_key(required[0].name)):
        p = required[0]
        by_key = _by_key(keys_read(source, function, p.name), values)
        if set(by_key) and {role(k) for k in by_key} >= wanted:
            value: Any = by_key
            how = f"a dict with the keys {', '.join(repr(k) for k in by_key)} (the ones your code reads)"
        else:
            value = tuple(values[r] for r in DATA_ROLES)
            how = "the tuple (trainX, trainY, valX, valY)"
        if p.kind == "KEYWORD_ONLY":
            plan.kwargs[p.name] = value
        else:
            plan.args.append(value)
        plan.used = {r: p.name for r in DATA_ROLES}
        return plan, f"{function}({p.name}) takes all the data in one parameter: the grader passed {how}"
    star = next((p for p in params if p.kind == "VAR_KEYWORD"), None)
    if star is None or required:
        return None
    by_key = _by_key(keys_read(source, function, star.name), values)
    if {role(k) for k in by_key} < wanted:
        by_key = {r: values[r] for r in DATA_ROLES}
    plan.kwargs.update(by_key)
    plan.used = {r: f"**{star.name}" for r in DATA_ROLES}
    return plan, (f"{function}(**{star.name}) takes the data by keyword: the grader passed "
                  f"{', '.join(by_key)} as keyword arguments")


def _key(name: str) -> str:
    return re.sub(r"[_\s]", "", name.lower())
