"""Globals a submission's functions read but only its ``if __name__ ==
"__main__":`` block assigns (a regularisation strength ``alpha``, a batch
size): importing the file never runs that block, so the function raises
NameError and a correct answer earns nothing. Read from the text alone, as
``symtable`` sees the functions' scopes: the grader supplies such a global
before it calls anything, with the student's own value where their
assignment is a literal, else the stub's documented default (a constant or a
parameter default of the same name), and says so.
"""

from __future__ import annotations

import ast
import builtins
import symtable
from dataclasses import dataclass
from typing import Any, Iterator

from grader.sandbox.safe_import import is_main_guard

_NOT_GIVEN = object()


@dataclass(frozen=True)
class Supplied:
    """One global the grader sets, and where its value comes from."""

    name: str
    value: Any
    readers: tuple[str, ...]
    """The functions that read it."""
    line: int
    """The line of the student's assignment under the ``__main__`` block."""
    assigned: str
    """That assignment as written (``alpha = 0.1``)."""
    own: bool
    """The value is the student's own literal (else the stub's default)."""

    def note(self) -> str:
        readers = ", ".join(self.readers[:3]) + (" and others" if len(self.readers) > 3 else "")
        source = "your own value" if self.own else \
            "the stub's default, as your assignment there is not a fixed value"
        return (f"{readers} {'read' if len(self.readers) > 1 else 'reads'} the global {self.name}, which your file "
                f"assigns only under `if __name__ == \"__main__\":` (line {self.line}: `{self.assigned}`), a block "
                f"importing a file never runs; the grader set {self.name} = {self.value!r} ({source}) before "
                f"calling your functions. Assign it at module level, or pass it as a parameter.")


def supplied(source: str, stub: str | None) -> list[Supplied]:
    """The globals the grader should set for ``source``; names the module binds
    elsewhere, or that neither the student nor the stub gives a fixed value, are
    left alone."""
    try:
        tree = ast.parse(source)
        table = symtable.symtable(source, "<submission>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return []
    guards = [node for node in tree.body if is_main_guard(node)]
    if not guards:
        return []
    bound = _module_bound([node for node in tree.body if node not in guards])
    inside = [(guard.lineno, guard.end_lineno or guard.lineno) for guard in guards]
    readers: dict[str, list[str]] = {}
    for function in _functions(table):
        if any(start <= function.get_lineno() <= end for start, end in inside):
            continue  # defined by the block itself: never called by the grader
        for symbol in function.get_symbols():
            name = symbol.get_name()
            if symbol.is_referenced() and symbol.is_global() and not symbol.is_assigned() and name not in bound \
                    and not hasattr(builtins, name):
                readers.setdefault(name, []).append(function.get_name())
    if not readers:
        return []
    defaults = _stub_defaults(stub)
    found = []
    for name, functions in readers.items():
        assignments = [node for guard in guards for node in ast.walk(guard) if isinstance(node, ast.stmt)
                       and _binds(node, name)]
        if not assignments:
            continue
        first = assignments[0]
        values = {repr(value) for value in map(_literal, assignments) if value is not _NOT_GIVEN}
        if len(values) == 1 and all(_literal(node) is not _NOT_GIVEN for node in assignments):
            value, own = _literal(first), True
        elif name in defaults:
            value, own = defaults[name], False
        else:
            continue
        found.append(Supplied(name, value, tuple(dict.fromkeys(functions)), first.lineno,
                              _shown(ast.unparse(first)), own))
    return found


def _module_bound(statements: list[ast.stmt]) -> set[str]:
    """Every name the module binds outside its ``__main__`` blocks (not inside functions or classes)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _functions(table: symtable.SymbolTable) -> Iterator[symtable.Function]:
    for child in table.get_children():
        if isinstance(child, symtable.Function):
            yield child
        yield from _functions(child)


def _binds(node: ast.AST, name: str) -> bool:
    """An assignment (or loop, or ``with``) that binds ``name``."""
    if isinstance(node, ast.Assign):
        targets: list[ast.expr] = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For)):
        targets = [node.target]
    else:
        return False
    return any(isinstance(inner, ast.Name) and inner.id == name for target in targets for inner in ast.walk(target))


def _literal(node: ast.AST) -> Any:
    """The value a plain ``name = <literal>`` gives; ``_NOT_GIVEN`` for anything else."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        return _NOT_GIVEN
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if not all(isinstance(target, ast.Name) for target in targets):
        return _NOT_GIVEN
    try:
        value = ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_GIVEN
    return value if isinstance(value, (int, float, str, bool, tuple, list)) else _NOT_GIVEN


def _stub_defaults(stub: str | None) -> dict[str, Any]:
    """The stub's documented values by name: its module-level constants, then
    its functions' parameter defaults (a name with two different defaults has none)."""
    try:
        tree = ast.parse(stub or "")
    except (SyntaxError, ValueError):
        return {}
    found: dict[str, Any] = {}
    clashing: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
            pairs += [(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is not None]
            for arg, default in pairs:
                try:
                    value = ast.literal_eval(default)
                except (ValueError, TypeError, SyntaxError):
                    continue
                if arg.arg in found and found[arg.arg] != value:
                    clashing.add(arg.arg)
                found.setdefault(arg.arg, value)
    for node in tree.body:
        value = _literal(node)
        if value is not _NOT_GIVEN and isinstance(node, ast.Assign):
            for target in node.targets:
                found[target.id] = value  # type: ignore[attr-defined]
                clashing.discard(target.id)  # type: ignore[attr-defined]
    return {name: value for name, value in found.items() if name not in clashing}


def _shown(text: str) -> str:
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= 60 else first[:57] + "..."
