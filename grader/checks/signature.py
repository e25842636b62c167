"""Calling a student function the way it was written: what each parameter is
for, read from its name (the course's names and the ones real files use), and
a plan matching the values the grader has to those parameters.

Roles: the data (``trainX``, ``trainY``, ``valX``, ``valY``), packed weights
``w`` and the hyperparameters ``hidden``, ``lr``, ``batch``, ``epochs``,
``alpha`` (the regularisation strength).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

from grader.sandbox.session import Param

Role = Literal["trainX", "trainY", "valX", "valY", "w", "hidden", "lr", "batch", "epochs", "alpha"]
DATA_ROLES: tuple[Role, ...] = ("trainX", "trainY", "valX", "valY")
HYPERPARAMETERS: tuple[Role, ...] = ("hidden", "lr", "batch", "epochs", "alpha")

_ROLE_PATTERNS: tuple[tuple[Role, str], ...] = (
    ("w", r"(w|w0|winit|initw|initialw|weights?|theta|params|wts)"),
    ("hidden", r".*hidden.*|h|nh|numh|units|hiddenunits|hiddensize|numneurons"),
    ("batch", r".*batch.*|bs|ntilde|mb|mbs|minibatch"),
    ("epochs", r".*epoch.*|e|ne|numiter|niter|iters|iterations|numiterations"),
    ("alpha", r".*(alpha|reg|lam|lmbda|l2|penalty|decay|beta).*"),
    ("lr", r".*(lr|learn|eta|epsilon|eps|step|rate).*"),
)


@functools.lru_cache(maxsize=4096)
def role(name: str) -> Role | None:
    """What a parameter or global is for, from its name (remembered: a
    search's bookkeeping asks for the same names once per trial).

    A name that only ends in ``y`` is no label when it names a regulariser:
    ``weight_decay``, ``penalty``, ``l2_penalty`` are ``alpha``."""
    key = re.sub(r"[_\s]", "", name.lower())
    kind = _data_kind(key)
    if kind is not None:
        return ("valX" if kind == "X" else "valY") if re.search(r"val|test|dev|valid|te$|^te", key) else \
            ("trainX" if kind == "X" else "trainY")
    for found, pattern in _ROLE_PATTERNS:
        if re.fullmatch(pattern, key):
            return found
    return None


def _data_kind(key: str) -> Literal["X", "Y"] | None:
    if re.search(r"label|target|^y|^yy|onehot", key):
        return "Y"
    if key.endswith("y") and not re.fullmatch(_ROLE_PATTERNS[4][1], key):
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


def describe(params: Sequence[Param]) -> str:
    """``a, b=...`` for messages."""
    return ", ".join(p.name + ("=..." if p.has_default else "") for p in params if not p.variadic)


def plan_call(params: Sequence[Param] | None, values: Mapping[str, Any], *, what: str, expected: str,
              keywords: Mapping[str, str] | None = None) -> CallPlan:
    """Match a signature's parameters to the values the grader has, by name,
    falling back to the template's positional order for the data. A
    ``**kwargs`` parameter gets the hyperparameters under the stub's names
    (``keywords``: role -> name; the role itself by default)."""
    plan = CallPlan()
    if params is None:
        plan.problem = f"the signature of {what} could not be read; expected {expected}"
        return plan
    positional = [p for p in params if p.positional]
    roles: dict[str, Role | None] = {p.name: role(p.name) for p in params}
    named: list[Role | None] = [roles[p.name] for p in positional[:4]]
    if len(positional) >= 4 and sorted(r for r in named if r) != sorted(DATA_ROLES) and \
            all(r in (None, *DATA_ROLES) for r in named) and not any(r in DATA_ROLES for r in roles.values()
                                                                      if r not in named):
        for p, data_role in zip(positional[:4], DATA_ROLES):  # the template's order, whatever the names
            roles[p.name] = data_role
    for p in params:
        if p.kind == "VAR_KEYWORD":
            for key in HYPERPARAMETERS:
                if key in values and key not in plan.used:
                    plan.kwargs[(keywords or {}).get(key, key)] = values[key]
                    plan.used[key] = f"**{p.name}"
            continue
        if p.kind == "VAR_POSITIONAL":
            continue
        r = roles[p.name]
        if r is not None and r in values and r not in plan.used:
            if p.kind == "POSITIONAL_ONLY":
                plan.args.append(values[r])
            else:
                plan.kwargs[p.name] = values[r]
            plan.used[r] = p.name
        elif not p.has_default:
            plan.problem = (f"{what}({describe(params)}) has a required parameter {p.name!r} the grader cannot "
                            f"fill; expected {expected}")
            return plan
        elif p.kind == "POSITIONAL_ONLY":
            plan.problem = f"{what}({describe(params)}): cannot skip the positional-only parameter {p.name!r}"
            return plan
    return plan


def cast(role_name: str, value: float) -> Any:
    """A hyperparameter value in the type a student's code expects."""
    return int(value) if role_name in ("hidden", "batch", "epochs") else float(value)


def hyper_globals(found: Mapping[str, Any]) -> dict[str, str]:
    """role -> global name, for the module's hyperparameter globals."""
    roles: dict[str, str] = {}
    for name, value in found.items():
        r = role(name)
        if r in HYPERPARAMETERS and isinstance(value, (int, float)) and not isinstance(value, bool):
            roles.setdefault(r, name)
    return roles


def regulariser_defaults(params: Sequence[Param] | None, *, skip: int = 0) -> list[str]:
    """Names of regularisation parameters (after the first ``skip``) that
    have a default: the ones a "regularisation on by default" mistake hides in."""
    return [p.name for p in list(params or ())[skip:] if p.has_default and role(p.name) == "alpha"]
