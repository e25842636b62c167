"""A package's import graph, read from its source with ``ast`` (nothing is
imported), for ``tests/unit/test_architecture.py``.

Each import statement becomes one ``Import`` per name it brings in, of a kind:
``module`` (runs when the module loads: module level, class bodies, ``try``
and ``if`` blocks), ``type`` (under ``if TYPE_CHECKING:``) or ``lazy`` (inside
a function). ``from a import b`` points at the module ``a.b`` when there is
one, else at the package ``a`` (its ``__init__``); relative imports are
resolved against the importing module's package. Importing a submodule adds
no edge to its parent packages: a package whose ``__init__`` re-exports its
submodules would otherwise circle with each of them.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Literal

Kind = Literal["module", "type", "lazy"]
_STRENGTH: tuple[Kind, ...] = ("module", "type", "lazy")
LOADING: frozenset[Kind] = frozenset({"module", "type"})
"""What a module needs to load or to be type-checked."""
EVERY: frozenset[Kind] = frozenset({"module", "type", "lazy"})


@dataclass(frozen=True)
class Import:
    """One name an import statement brings in, as absolute dotted candidates,
    most specific first (``from a import b``: ``a.b``, then ``a``)."""

    importer: str
    candidates: tuple[str, ...]
    kind: Kind
    line: int


@dataclass
class Graph:
    root: Path
    """Where file names in messages are shown from."""
    files: dict[str, Path] = field(default_factory=dict)
    """Module name -> its file (``pkg.__init__`` is named ``pkg``)."""
    imports: list[Import] = field(default_factory=list)
    owned: set[str] = field(default_factory=set)
    """Top-level package names that are ours: their imports must resolve."""

    def target(self, found: Import) -> str | None:
        return next((name for name in found.candidates if name in self.files), None)

    def edges(self, kinds: Iterable[Kind] = LOADING) -> dict[str, dict[str, Import]]:
        """Importer -> imported module -> the first import statement that makes the edge."""
        wanted = set(kinds)
        graph: dict[str, dict[str, Import]] = {name: {} for name in self.files}
        for found in sorted(self.imports, key=lambda i: (_STRENGTH.index(i.kind), i.line)):
            target = self.target(found)
            if found.kind in wanted and target is not None and target != found.importer:
                graph[found.importer].setdefault(target, found)
        return graph

    def unresolved(self) -> list[str]:
        """Imports of our own packages that name no module we parsed."""
        return [f"{self.where(found)} imports {found.candidates[-1]}" for found in self.imports
                if found.candidates[-1].split(".")[0] in self.owned and self.target(found) is None]

    def where(self, found: Import) -> str:
        path = self.files[found.importer]
        shown = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        return f"{shown}:{found.line}"


def add_package(graph: Graph, name: str, roots: Iterable[Path], *, skip: Iterable[Path] = ()) -> None:
    """Parse every module under ``roots`` as the package ``name`` (the first
    root wins a module both define, as with ``__path__``)."""
    skipped = {path.resolve() for path in skip}
    graph.owned.add(name)
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if path.resolve() in skipped or "__pycache__" in path.parts:
                continue
            parts = [name, *path.relative_to(root).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            module = ".".join(parts)
            if module not in graph.files:
                graph.files[module] = path
                graph.imports.extend(imports_of(module, path, is_package=path.name == "__init__.py"))


def imports_of(module: str, path: Path, *, is_package: bool) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if is_package else module.rpartition(".")[0]
    return list(_walk(tree.body, module, package, "module"))


def _walk(body: Iterable[ast.AST], module: str, package: str, kind: Kind) -> Iterator[Import]:
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, (alias.name,), kind, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                candidates = (base,) if alias.name == "*" else (f"{base}.{alias.name}", base)
                yield Import(module, candidates, kind, node.lineno)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, module, package, "type")
            yield from _walk(node.orelse, module, package, kind)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk(ast.iter_child_nodes(node), module, package, "type" if kind == "type" else "lazy")
        else:
            yield from _walk(ast.iter_child_nodes(node), module, package, kind)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if node.level == 0:
        return node.module or ""
    parts = package.split(".")
    if node.level - 1 >= len(parts):
        raise ValueError(f"{package}: relative import beyond the top-level package (line {node.lineno})")
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def strongly_connected(edges: dict[str, dict[str, Import]]) -> list[list[str]]:
    """Tarjan's components that hold a cycle (more than one module, or a self-import)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in edges[node]:
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges[node]:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def cycles(edges: dict[str, dict[str, Import]], components: list[list[str]] | None = None) -> list[list[str]]:
    """Circles that together use every edge inside every component (all of
    them unless given): for each edge u -> v, the shortest way back from v to
    u, each circle once."""
    seen: dict[tuple[str, ...], None] = {}
    for component in strongly_connected(edges) if components is None else components:
        inside = set(component)
        for u in component:
            for v in sorted(edges[u]):
                if v in inside:
                    loop = [u, *_shortest(edges, v, u, inside)[:-1]]
                    start = loop.index(min(loop))
                    seen.setdefault(tuple(loop[start:] + loop[:start]), None)
    return [list(loop) for loop in seen]


def _shortest(edges: dict[str, dict[str, Import]], source: str, goal: str, inside: set[str]) -> list[str]:
    came: dict[str, str | None] = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if node == goal:
            break
        for succ in sorted(edges[node]):
            if succ in inside and succ not in came:
                came[succ] = node
                queue.append(succ)
    path: list[str] = []
    step: str | None = goal
    while step is not None:
        path.append(step)
        step = came[step]
    return path[::-1]


def describe_cycles(graph: Graph, edges: dict[str, dict[str, Import]],
                    components: list[list[str]] | None = None) -> list[str]:
    """Each circle as ``a -> b -> a``, then the import statements that make it."""
    lines = []
    for loop in cycles(edges, components):
        lines.append(" -> ".join([*loop, loop[0]]))
        for u, v in zip(loop, [*loop[1:], loop[0]]):
            found = edges[u][v]
            how = {"module": "", "type": "  (TYPE_CHECKING)", "lazy": "  (in a function)"}[found.kind]
            lines.append(f"    {graph.where(found)}: {u} -> {v}{how}")
    return lines


def long_modules(paths: Iterable[Path], limit: int) -> list[tuple[Path, int]]:
    counted = ((path, len(path.read_text(encoding="utf-8").splitlines())) for path in paths)
    return sorted(((path, lines) for path, lines in counted if lines > limit), key=lambda found: -found[1])


def importers_of(graph: Graph, libraries: tuple[str, ...], *, allowed: str) -> list[str]:
    """Imports of ``libraries`` (of any kind) by modules outside the package ``allowed``."""
    return sorted({f"{graph.where(found)}: {found.importer} imports {found.candidates[-1]}"
                   for found in graph.imports
                   if found.candidates[-1].split(".")[0] in libraries
                   and not (found.importer == allowed or found.importer.startswith(allowed + "."))})


def lazy_knots(graph: Graph, known: Iterable[frozenset[str]] = ()) -> list[list[str]]:
    """Components that only imports inside functions close (or grow), but for
    those within a ``known`` knot."""
    loading = {frozenset(component) for component in strongly_connected(graph.edges(LOADING))}
    allowed = list(known)
    return [component for component in strongly_connected(graph.edges(EVERY))
            if frozenset(component) not in loading and not any(frozenset(component) <= knot for knot in allowed)]
