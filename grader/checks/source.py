"""Reading a submission's text without running it (``ast``): the integer
constants it defines, for checks that must guess a size the file never names
the way the stub does (a hidden layer of ``HYPER_NEURON = 50``, or ``30``
written into ``unpack``)."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Constant:
    value: int
    where: str
    """How to name it to the student: ``HYPER_NEURON = 50``, ``the literal 30 in unpack``."""


def int_constants(source: str, *, functions: tuple[str, ...] = (), low: int = 1,
                  high: int = 1 << 20) -> list[Constant]:
    """Module-level ``NAME = <int>`` assignments in file order, then the
    integer literals inside the named functions, each value once, within
    [low, high]. A file that does not parse gives nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found: dict[int, Constant] = {}

    def keep(value: object, where: str) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high and value not in found:
            found[value] = Constant(value, where)

    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    keep(node.value.value, f"{target.id} = {node.value.value!r}")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and \
                isinstance(node.value, ast.Constant):
            keep(node.value.value, f"{node.target.id} = {node.value.value!r}")
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and function.name in functions:
            literals = [inner for inner in ast.walk(function) if isinstance(inner, ast.Constant)]
            for inner in sorted(literals, key=lambda c: (c.lineno, c.col_offset)):  # in the order written
                keep(inner.value, f"the literal {inner.value!r} in {function.name}")
    return list(found.values())
