"""Which of the file's functions is fCE, gradCE or train when the file does
not use the stub's names (``J``, ``J_CE``, ``grad_J``, ``sgd``...): exactly
one module function whose name says it and whose parameters take the data
(and the weights) is graded under the stub's name, with a note; two such
functions, or the function only as a method of a class, are graded 0 with the
reason and what the stub asks for. Read from the function names and
signatures the child reported and the file's text (never run here)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Callable, Mapping

from grader.checks.signature import describe, role
from grader.sandbox.session import Signature

from .calls import FUNCTIONS, plan_loss_call

_NAMES = {
    "fCE": r"j|jce|cost|costce|loss|lossce|ce|celoss|crossentropy(loss)?|xentropy|fce|computecost|computeloss|"
           r"getloss|lossfunction|objective",
    "gradCE": r"gradce|grad|grads|gradj|gradjce|gradient|gradients|dj|djdw|gradloss|gradcost|backprop|"
              r"backpropagation|backward|backwardpass|computegradients?|gradientce|gradfce|gce",
    "train": r"sgd|trainsgd|trainnn|trainnetwork|trainnet|trainmodel|fit|minibatchsgd|runsgd|dosgd|"
             r"stochasticgradientdescent|gradientdescent",
}
"""Names real files give the stub's functions (lower case, underscores dropped)."""
WHAT = {"fCE": "compute a loss", "gradCE": "compute a gradient", "train": "train the network"}
ASKED = {**FUNCTIONS, "train": "train(trainX, trainY, valX, valY, hidden=..., lr=..., batch=..., epochs=..., "
                               "alpha=...) -> w"}


@dataclass(frozen=True)
class Resolved:
    """The stub's function as the file has it."""

    name: str | None
    """The file's function graded as the stub's (None: none can be)."""
    note: str | None = None
    """Said when the file's name is not the stub's."""
    problem: str | None = None
    """Why none can be graded, when the file has candidates (two, or a class method)."""


def resolve(stub: str, functions: Mapping[str, Signature | None], source: str,
            hidden: Callable[[], int]) -> Resolved:
    """The file's function for ``stub`` (``fCE``, ``gradCE`` or ``train``)."""
    if stub in functions:
        return Resolved(stub)
    candidates = [name for name, params in functions.items()
                  if re.fullmatch(_NAMES[stub], _key(name)) and _takes_data(stub, params, hidden)]
    asked = f"the stub asks for {ASKED[stub]}"
    if len(candidates) == 1:
        name = candidates[0]
        return Resolved(name, note=f"{stub} is not defined; your {_shown(name, functions)} is the one function that "
                                   f"{_singular(WHAT[stub])}, so it was graded as {stub} ({asked}).")
    if candidates:
        shown = " and ".join([", ".join(_shown(n, functions) for n in candidates[:-1]),
                              _shown(candidates[-1], functions)])
        return Resolved(None, problem=f"{stub} is not defined; {shown} {'both' if len(candidates) == 2 else 'all'} "
                                      f"{WHAT[stub]}: {asked}, and the grader cannot tell which one you meant")
    method = _method(stub, source)
    if method is not None:
        owner, name, needs = method
        why = (f"whose constructor needs arguments ({', '.join(needs)}) the grader cannot know" if needs else
               "and the grader calls module-level functions, not methods")
        return Resolved(None, problem=f"{stub} is not defined at module level: {name} is a method of class {owner}, "
                                      f"{why}: {asked}, a module-level function")
    return Resolved(None)


def _key(name: str) -> str:
    return re.sub(r"[_\s]", "", name.lower())


def _singular(what: str) -> str:
    return what.replace("compute", "computes", 1).replace("train the", "trains the", 1)


def _shown(name: str, functions: Mapping[str, Signature | None]) -> str:
    return f"{name}({describe(functions.get(name) or ())})"


def _takes_data(stub: str, params: Signature | None, hidden: Callable[[], int]) -> bool:
    """Whether the parameters take the data (and, for fCE/gradCE, the weights)."""
    if params is None:
        return False
    if stub == "train":
        return any(role(p.name) == "trainX" for p in params)
    plan = plan_loss_call(params, hidden)
    return not plan.positional and (bool(plan.blocks) or "w" in plan.data)


def _method(stub: str, source: str) -> tuple[str, str, list[str]] | None:
    """(class, method, the constructor's required parameters) for a class of
    the file whose method is ``stub`` or one of its usual names."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        methods = {item.name: item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        found = next((name for name in methods if name == stub or re.fullmatch(_NAMES[stub], _key(name))), None)
        if found is None:
            continue
        init = methods.get("__init__")
        needs: list[str] = []
        if init is not None:
            positional = init.args.posonlyargs + init.args.args
            required = positional[1:len(positional) - len(init.args.defaults)]
            needs = [a.arg for a in required]
            needs += [a.arg for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults) if d is None]
        return node.name, found, needs
    return None
