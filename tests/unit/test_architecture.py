"""The package's own shape, read from the source with ``ast`` (nothing is imported).

STYLE.md asks for three things a reviewer cannot see in one diff, so they are
checked here over the whole tree:

* **No import cycle.** The graph holds every module of ``grader`` and of each
  assignment's plug-in package: ``assignments/<id>/`` and ``reference/<id>/``
  are ONE package (``grader.plugin._package``), named ``<id>`` here, whose
  modules import each other relatively. The student stub (the manifest's
  ``stub``) is left out: it is course material run in the child, never a module
  of the package. ``reference/<id>/solution.py`` stays in, since ``hidden.py``
  imports it; it imports nothing of ours, so it can close no circle.
  Edges are every import: those that run when a module loads, those under
  ``if TYPE_CHECKING:`` (a type import that closes a circle is still a
  circle) and those inside functions (a lazy import that closes a circle is a
  knot too); ``tests/import_graph.py`` says how imports become edges.
* **No module over 400 lines** in ``grader/``, ``assignments/`` or
  ``reference/``. Student stubs and reference solutions are not counted: they
  are course material whose length the handout sets, not code we split.
* **Only ``grader/cli/`` imports rich and click** (any import, lazy included):
  the core stays usable and testable without a terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course_files import REPO
from grader import toml
from import_graph import (EVERY, Graph, Import, add_package, cycles, describe_cycles, importers_of, lazy_knots,
                          long_modules, strongly_connected)

MAX_LINES = 400
TERMINAL_LIBRARIES = ("rich", "click")
CLI_PACKAGE = "grader.cli"


# ---- the course tree ---------------------------------------------------------

def _course() -> tuple[Graph, list[Path]]:
    """The graph of ``grader`` and every plug-in package, and the modules whose length counts."""
    graph = Graph(REPO)
    add_package(graph, "grader", [REPO / "grader"])
    material: list[Path] = []
    ids = sorted({p.name for base in ("assignments", "reference") for p in (REPO / base).iterdir() if p.is_dir()})
    for assignment_id in ids:
        public, hidden = REPO / "assignments" / assignment_id, REPO / "reference" / assignment_id
        manifest = public / "assignment.toml"
        stub = toml.read(manifest).get("stub") if manifest.is_file() else None
        stubs = [public / stub] if stub else []
        add_package(graph, assignment_id, [root for root in (public, hidden) if root.is_dir()], skip=stubs)
        material += stubs + [hidden / "solution.py"]
    return graph, material


@pytest.fixture(scope="module")
def course() -> tuple[Graph, list[Path]]:
    return _course()


def test_the_graph_sees_every_import_of_our_own_code(course: tuple[Graph, list[Path]]) -> None:
    graph, _ = course
    assert "grader.checks.cases" in graph.files and "hw6_mnist.hidden" in graph.files
    assert not graph.unresolved(), "imports the graph cannot place:\n" + "\n".join(graph.unresolved())


def test_no_import_cycles(course: tuple[Graph, list[Path]]) -> None:
    graph, _ = course
    edges = graph.edges(EVERY)
    found = describe_cycles(graph, edges)
    assert not found, (f"{len(strongly_connected(edges))} knots of modules import each other round in a circle "
                       "(STYLE.md: the contract sits on the bottom floor; type imports point one way):\n"
                       + "\n".join(found))


def test_no_module_over_400_lines(course: tuple[Graph, list[Path]]) -> None:
    _, material = course
    skip = {path.resolve() for path in material}
    ours = [path for base in ("grader", "assignments", "reference") for path in sorted((REPO / base).rglob("*.py"))
            if path.resolve() not in skip and "__pycache__" not in path.parts]
    found = long_modules(ours, MAX_LINES)
    assert not found, (f"modules over {MAX_LINES} lines (STYLE.md: it is probably two):\n"
                       + "\n".join(f"    {path.relative_to(REPO)}: {lines} lines" for path, lines in found))


def test_only_the_cli_imports_rich_and_click(course: tuple[Graph, list[Path]]) -> None:
    graph, _ = course
    found = importers_of(graph, TERMINAL_LIBRARIES, allowed=CLI_PACKAGE)
    assert not found, "rich and click belong to grader/cli/ (STYLE.md: a thin CLI over the core):\n" + "\n".join(
        f"    {line}" for line in found)


# ---- the checks themselves, on a planted package -----------------------------

PLANTED = {
    "pkg/__init__.py": "from pkg import a\n",
    "pkg/a.py": "from pkg.b import thing\n",
    "pkg/b.py": "from . import c\n",
    "pkg/c.py": "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from pkg.a import Thing\n",
    "pkg/d.py": "import pkg.e\n",
    "pkg/e.py": "def later():\n    from .d import x\n    import rich.console\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/f.py": "from ..sub import g\nfrom pkg.sub import not_a_module\n",
    "pkg/sub/g.py": "import click\nimport numpy\n",
    "pkg/cli/h.py": "import click\n",
}


@pytest.fixture
def planted(tmp_path: Path) -> Graph:
    for name, text in PLANTED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = Graph(tmp_path)
    add_package(graph, "pkg", [tmp_path / "pkg"])
    return graph


def test_imports_resolve_to_modules_else_to_their_package(planted: Graph) -> None:
    edges = planted.edges(EVERY)
    assert set(edges["pkg"]) == {"pkg.a"}
    assert set(edges["pkg.b"]) == {"pkg.c"}
    assert set(edges["pkg.sub.f"]) == {"pkg.sub.g", "pkg.sub"}
    assert set(edges["pkg.sub.g"]) == set()
    assert edges["pkg.c"]["pkg.a"].kind == "type"
    assert edges["pkg.e"]["pkg.d"].kind == "lazy"


def test_a_planted_cycle_through_type_checking_is_caught(planted: Graph) -> None:
    edges = planted.edges(EVERY)
    assert cycles(edges) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]
    report = describe_cycles(planted, edges)
    assert "pkg.a -> pkg.b -> pkg.c -> pkg.a" in report
    assert any(line.endswith("pkg.c -> pkg.a  (TYPE_CHECKING)") for line in report)
    assert any(line.endswith("pkg.e -> pkg.d  (in a function)") for line in report)
    assert cycles(planted.edges({"module"})) == []
    assert cycles(planted.edges()) == [["pkg.a", "pkg.b", "pkg.c"]]  # what test_no_import_cycles counts


def test_a_circle_only_a_lazy_import_closes_is_caught_unless_known(planted: Graph) -> None:
    assert lazy_knots(planted) == [["pkg.d", "pkg.e"]]
    assert lazy_knots(planted, [frozenset({"pkg.d", "pkg.e", "pkg.x"})]) == []


def test_every_edge_of_a_knot_is_on_some_reported_cycle() -> None:
    stub = Import("x", ("y",), "module", 1)
    edges = {"a": {"b": stub, "c": stub}, "b": {"a": stub}, "c": {"a": stub}, "d": {"d": stub}, "e": {}}
    assert strongly_connected(edges) == [["a", "b", "c"], ["d"]]
    assert cycles(edges) == [["a", "b"], ["a", "c"], ["d"]]


def test_a_401_line_module_is_caught_and_400_lines_pass(tmp_path: Path) -> None:
    (tmp_path / "long.py").write_text("x = 1\n" * 401)
    (tmp_path / "fine.py").write_text("x = 1\n" * 400)
    assert long_modules(sorted(tmp_path.glob("*.py")), MAX_LINES) == [(tmp_path / "long.py", 401)]


def test_rich_and_click_outside_the_cli_are_caught(planted: Graph) -> None:
    found = importers_of(planted, TERMINAL_LIBRARIES, allowed="pkg.cli")
    assert [line.split(": ", 1)[1] for line in found] == ["pkg.e imports rich.console", "pkg.sub.g imports click"]


def test_an_import_of_our_own_that_names_no_module_is_reported(planted: Graph) -> None:
    planted.imports.append(Import("pkg.a", ("pkg.missing",), "module", 9))
    assert [line.split(" imports ")[1] for line in planted.unresolved()] == ["pkg.missing"]
