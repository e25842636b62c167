"""A Jupyter notebook read as the one Python file it would be if its code cells ran in order.

The notebook is read and validated with :mod:`nbformat` (a notebook Jupyter would not open is
refused with what is wrong, not guessed at). Its code cells are joined in order, each line where
it was, so feedback points at the cell a student sees: cells are counted from the top of the
notebook, markdown cells included, as a student counts them scrolling down (and as VS Code's
``Cell 4 of 20`` does); execution counts are not used: they change on every run and are blank in
a fresh notebook.

What only IPython runs is set aside and named, each line in its place so every other line keeps
its number: line magics (``%matplotlib inline``), shell lines (``!pip install tqdm``,
``files = !ls``), help requests (``np.dot?``) and ``get_ipython()`` calls. A set-aside line
becomes a blank line, or ``pass`` inside an indented block so the block stays valid. Of the cell
magics, ``%%time`` and ``%%capture`` run the cell's own code in the notebook, so only their
magic line is set aside; any other (``%%timeit``, ``%%writefile``, ``%%bash``, ...) runs its body
as something else, so the whole cell is set aside. So is a cell that is not valid Python on its
own, with its error: Jupyter could not have run it either, and the other cells still count.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from grader.submissions.contents import Refused
from grader.submissions.origin import Span

NOTEBOOK_BYTES = 64 << 20
"""A notebook may be large: its outputs (figures) are stored in it."""
KEEP_BODY = frozenset({"time", "capture"})
"""Cell magics that run the cell's code in the notebook's own namespace."""
MAX_NOTES = 15

_ASSIGNED_OUTPUT = re.compile(r"[A-Za-z_][\w.]*\s*=\s*[!%]")
_CELL_MAGIC = re.compile(r"%%\s*(\w*)")


@dataclass(frozen=True)
class SetAside:
    """A line (or, with ``line`` None, a whole cell) the grader does not run, and why."""

    cell: int
    line: int | None
    text: str
    why: str

    def note(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        if self.line is None:
            return f"cell {self.cell}: set aside the whole cell: {self.why}"
        return f"cell {self.cell}, line {self.line}: set aside `{shown}` ({self.why})"


@dataclass(frozen=True)
class Notebook:
    """A notebook's code as one source, the map back to its cells, and what was set aside."""

    source: str
    spans: tuple[Span, ...]
    code_cells: int
    set_aside: tuple[SetAside, ...] = ()

    @property
    def notes(self) -> tuple[str, ...]:
        notes = [f"read as a notebook: its {self.code_cells} code cell{'s' if self.code_cells != 1 else ''} "
                 "graded as one file, in order (cells are counted from the top, markdown cells included)"]
        notes += [item.note() for item in self.set_aside[:MAX_NOTES]]
        if len(self.set_aside) > MAX_NOTES:
            notes.append(f"and {len(self.set_aside) - MAX_NOTES} more lines or cells set aside")
        return tuple(notes)


def parse(raw: bytes) -> Notebook:
    """The notebook's code; ``Refused`` ("not a valid notebook: ...") when nbformat would not
    read it, when it fails nbformat's schema, or when it holds no code."""
    cells = _validated_cells(raw)
    state = _State()
    lines: list[str] = []
    spans: list[Span] = []
    code_cells = 0
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        if not text.strip():
            continue
        code_cells += 1
        kept = _cell(number, text, state)
        if kept is not None and any(line.strip() for line in kept):
            spans.append(Span(start=len(lines) + 1, lines=len(kept), cell=number))
            lines.extend(kept)
    if not spans:
        raise Refused("the notebook holds no code to grade" + (
            " (every code cell was set aside: " + "; ".join(item.note() for item in state.set_aside[:3]) + ")"
            if state.set_aside else ""))
    return Notebook("".join(line + "\n" for line in lines), tuple(spans), code_cells, tuple(state.set_aside))


def residue(text: str) -> tuple[str, tuple[str, ...]]:
    """A ``.py`` file with lines only IPython runs left in it (``%matplotlib inline`` from an
    exported notebook, ``!pip install tqdm``): when the file is not valid Python as it stands,
    each such line becomes a blank line in its place and is named, so the rest is graded (or, if
    the rest has a syntax error of its own, that error is the one the student sees)."""
    try:
        ast.parse(text)
        return text, ()
    except (SyntaxError, ValueError):
        pass
    lines = text.split("\n")
    found = _ipython_lines(lines, skip=None)
    notes = []
    for index, why in sorted(found.items()):
        shown = lines[index].strip()
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        notes.append(f"line {index + 1}: set aside `{shown}` ({why}: a .py file runs as plain Python)")
    return "\n".join(_blank(line) if index in found else line for index, line in enumerate(lines)), tuple(notes)


def _validated_cells(raw: bytes) -> list[Any]:
    import nbformat

    if len(raw) > NOTEBOOK_BYTES:
        raise Refused(f"the notebook is {len(raw):,} bytes, more than the {NOTEBOOK_BYTES:,} a submission may be "
                      "(clear its outputs and save it again)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Refused(f"not a valid notebook: it is not UTF-8 text (byte {exc.start}), as Jupyter saves "
                      "notebooks") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Refused(f"not a valid notebook: it is not JSON ({exc.msg} at line {exc.lineno}, column "
                      f"{exc.colno}); was it saved by Jupyter, or edited by hand?") from None
    except RecursionError:
        raise Refused("not a valid notebook: its JSON nests too deeply") from None
    if not isinstance(data, dict):
        raise Refused("not a valid notebook: it is JSON, but not a notebook's (no cells, no nbformat version)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns of missing cell ids it fills in itself
            notebook = nbformat.reads(text, as_version=4)
            nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        raise Refused(f"not a valid notebook: {_where(exc)}{_first_line(getattr(exc, 'message', exc))}") from None
    except Exception as exc:  # nbformat's reader on bytes it was not made for: the student's file is at fault
        raise Refused(f"not a valid notebook: {_first_line(exc)}") from None
    return list(notebook.cells)


def _where(exc: Exception) -> str:
    path = list(getattr(exc, "absolute_path", ()) or ())
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        return f"cell {path[1] + 1}: "
    return ""


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@dataclass
class _State:
    """What reading one cell leaves for the next: whether code has come (after which a
    ``from __future__`` import is a syntax error in one file; a leading docstring is not code),
    and what was set aside."""

    started: bool = False
    seen: bool = False
    set_aside: list[SetAside] = field(default_factory=list)


def _cell(number: int, text: str, state: _State) -> list[str] | None:
    """The cell's lines with IPython's own set aside, or None when the whole cell is."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    first = next(index for index, line in enumerate(lines) if line.strip())
    magic = _CELL_MAGIC.match(lines[first].lstrip())
    if magic:
        name = magic.group(1)
        if name not in KEEP_BODY:
            state.set_aside.append(SetAside(number, None, lines[first].strip(), _cell_magic_why(name)))
            return None
        state.set_aside.append(SetAside(number, first + 1, lines[first].strip(),
                                        f"`%%{name}` is IPython's; the cell's own code runs as it is"))
        lines[first] = ""
    for index, why in _ipython_lines(lines, skip=first if magic else None).items():
        state.set_aside.append(SetAside(number, index + 1, lines[index].strip(), why))
        lines[index] = _blank(lines[index])
    try:
        tree = ast.parse("\n".join(lines))
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f" on line {line}" if line else ""
        message = getattr(exc, "msg", None) or str(exc)
        state.set_aside.append(SetAside(number, None, "", f"it is not valid Python ({message}{where}), so "
                                        "Jupyter could not run it either"))
        return None
    return _set_aside_statements(number, lines, tree, state)


def _cell_magic_why(name: str) -> str:
    if name == "timeit":
        return "`%%timeit` runs the cell's code in a timing loop, and what it defines is not kept"
    if name == "writefile":
        return "`%%writefile` saves the cell to a file instead of running it"
    return f"`%%{name}` runs the cell as something other than the notebook's Python"


def _set_aside_statements(number: int, lines: list[str], tree: ast.Module, state: _State) -> list[str]:
    """``get_ipython()`` statements, and ``from __future__`` imports that would come after other
    code once the cells are one file. Should blanking them break the cell, it is kept as it was."""
    changed = list(lines)
    found: list[SetAside] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)) and any(
                isinstance(inner, ast.Name) and inner.id == "get_ipython" for inner in ast.walk(node)):
            found.append(SetAside(number, node.lineno, lines[node.lineno - 1].strip(),
                                  "`get_ipython()` exists only inside Jupyter"))
            _blank_statement(changed, node)
    started, seen = state.started, state.seen
    for statement in tree.body:
        future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        docstring = (not seen and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                     and isinstance(statement.value.value, str))
        if future and started:
            found.append(SetAside(number, statement.lineno, lines[statement.lineno - 1].strip(),
                                  "a `from __future__` import must come first in a file"))
            _blank_statement(changed, statement)
        elif not future and not docstring:
            started = True
        seen = True
    if found:
        try:
            ast.parse("\n".join(changed))
        except (SyntaxError, ValueError):
            found, changed = [], list(lines)
    state.started, state.seen = started, seen
    state.set_aside.extend(sorted(found, key=lambda item: item.line or 0))
    return changed


def _blank_statement(lines: list[str], node: ast.stmt) -> None:
    end = node.end_lineno or node.lineno
    lines[node.lineno - 1] = _blank(lines[node.lineno - 1])
    for index in range(node.lineno, end):
        lines[index] = ""


def _blank(line: str) -> str:
    indent = line[:len(line) - len(line.lstrip())]
    return f"{indent}pass" if indent else ""


def _ipython_lines(lines: list[str], *, skip: int | None) -> dict[int, str]:
    """The lines only IPython runs, by index: those that begin a statement (not inside a string,
    brackets or a continued line) with ``%``, ``!`` or ``?``, assign one (``x = !ls``), or end
    in ``?`` outside a comment. Plain Python never begins or ends a statement so."""
    found: dict[int, str] = {}
    quote: str | None = None
    depth = 0
    continued = False
    for index, line in enumerate(lines):
        starts = quote is None and depth == 0 and not continued
        stripped = line.strip()
        if index == skip:
            continue
        if starts and stripped:
            why = _begins_ipython(stripped)
            if why:
                found[index] = why
                continue
        code_end, quote, depth = _scan(line, quote, depth)
        code = line[:code_end].rstrip()
        continued = quote is None and code.endswith("\\")
        if starts and quote is None and depth == 0 and code.endswith("?"):
            found[index] = "a help request, which only IPython answers"
    return found


def _begins_ipython(stripped: str) -> str | None:
    if stripped.startswith("%"):
        return "an IPython magic, which plain Python cannot run"
    if stripped.startswith("!"):
        return "a shell command, which plain Python cannot run"
    if stripped.startswith("?"):
        return "a help request, which only IPython answers"
    if _ASSIGNED_OUTPUT.match(stripped):
        return "the output of a shell command or magic, which plain Python cannot get"
    return None


def _scan(line: str, quote: str | None, depth: int) -> tuple[int, str | None, int]:
    """One line of Python read for strings, comments and brackets: where its code ends (a
    comment's ``#``), and the open string and bracket depth it leaves for the next line."""
    index = 0
    code_end = len(line)
    while index < len(line):
        char = line[index]
        if quote is not None:
            if char == "\\":
                index += 2
                continue
            if line.startswith(quote, index):
                index += len(quote)
                quote = None
                continue
            index += 1
            continue
        if char == "#":
            code_end = index
            break
        if char in "\"'":
            quote = line[index:index + 3] if line[index:index + 3] in ('"""', "'''") else char
            index += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        index += 1
    if quote in ("'", '"') and not line.endswith("\\"):
        quote = None  # a one-quote string ends with its line (unless the line is continued)
    return code_end, quote, depth
