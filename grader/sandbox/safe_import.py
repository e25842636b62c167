"""Import a submission with its top-level script code set aside.

Real homework files load data, train, plot and write files at module level.
When the plain import fails or runs too long, the grader imports only what a
module *defines*: imports, functions, classes and simple constants such as
``NUM_HIDDEN = 50``. Everything else is reported back, by line and with its
code, so the feedback can say what was skipped and how to guard it with
``if __name__ == "__main__":``; so is a kept statement that fails, such as the
import of a module that is not installed.

Standard library only; loaded by the child harness by path.
"""

from __future__ import annotations

import ast
import io
import tokenize
from types import CodeType
from typing import Any

_IO_NAMES = {"load", "loadtxt", "genfromtxt", "fromfile", "save", "savez", "savetxt",
             "read_csv", "open", "imread", "show", "savefig", "input"}


def _is_simple(node: ast.AST) -> bool:
    """An expression that only builds a value: no I/O, no user function calls."""
    for child in ast.walk(node):
        if isinstance(child, (ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(child, ast.Call):
            func = child.func
            # Allow numpy-style constructors such as np.zeros(3) or np.array([...]).
            if not isinstance(func, ast.Attribute) or func.attr in _IO_NAMES:
                return False
            root: ast.expr = func
            while isinstance(root, ast.Attribute):
                root = root.value
            if not isinstance(root, ast.Name) or root.id not in {"np", "numpy"}:
                return False
    return True


def is_main_guard(node: ast.stmt) -> bool:
    """An ``if __name__ == "__main__":`` block (any test of ``__name__``)."""
    return isinstance(node, ast.If) and "__name__" in ast.unparse(node.test)


def _keep(node: ast.stmt) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, ast.Assign):
        return _is_simple(node.value)
    if isinstance(node, ast.AnnAssign):
        return node.value is None or _is_simple(node.value)
    if isinstance(node, ast.Expr):
        # A docstring, or seeding numpy's generator, which a grade may depend on.
        if isinstance(node.value, ast.Constant):
            return True
        return isinstance(node.value, ast.Call) and ast.unparse(node.value.func).endswith("random.seed")
    if isinstance(node, ast.Try):
        return all(_keep(child) for child in node.body)
    return False


def _describe(node: ast.stmt) -> str:
    text = ast.unparse(node)
    if is_main_guard(node):
        return "the `if __name__ == \"__main__\":` block"
    lowered = text.lower()
    if "plt." in lowered or ".show(" in lowered or "savefig" in lowered:
        return "plotting"
    if "train(" in lowered or "findbesthyperparameters" in lowered or "for " in lowered[:5]:
        return "a training or experiment run"
    if "load" in lowered or "read_csv" in lowered:
        return "data loading"
    if "open(" in lowered or "save" in lowered:
        return "file writing"
    if "print(" in lowered:
        return "printing"
    return "top-level code"


FAILED = "__grader_failed__"
"""Name of the list the guarded statements report into while the module runs."""
SHOWN = 60
"""How much of a statement's first line the feedback quotes."""


def _report_failure(node: ast.stmt) -> list[ast.stmt]:
    """The handler body that appends ``(line, end_line, type, message)`` to
    ``FAILED`` (unreported when the module runs without that list)."""
    end = getattr(node, "end_lineno", node.lineno)
    return ast.parse(f"globals().get({FAILED!r}, []).append(({node.lineno}, {end}, type(_grader_exc).__name__, "
                     "str(_grader_exc)[:200]))").body


def _guard_imports(node: ast.stmt) -> ast.stmt:
    """Wrap an import so a missing optional module does not stop the rest
    (and is reported, with its line)."""
    if not isinstance(node, (ast.Import, ast.ImportFrom)):
        return node
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        return node  # must stay a bare statement at the top
    handler = ast.ExceptHandler(type=ast.Name(id="ImportError", ctx=ast.Load()), name="_grader_exc",
                                body=_report_failure(node))
    wrapped = ast.Try(body=[node], handlers=[handler], orelse=[], finalbody=[])
    return ast.copy_location(wrapped, node)


def _guard_statement(node: ast.stmt) -> ast.stmt:
    """Run a kept top-level statement such as ``idxs = np.random.permutation(
    trainX.shape[1])`` so that, if it raises (``trainX`` was set aside), the
    rest of the module still loads and the line is reported."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
        return node
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return node  # a docstring cannot raise, and must stay before any `from __future__` import
    handler = ast.ExceptHandler(type=ast.Name(id="Exception", ctx=ast.Load()), name="_grader_exc",
                                body=_report_failure(node))
    return ast.copy_location(ast.Try(body=[node], handlers=[handler], orelse=[], finalbody=[]), node)


def source_lines(source: bytes) -> list[str]:
    """The file's lines as Python reads them: decoded as its PEP 263 coding
    line or byte-order mark says (``tokenize.detect_encoding``), split where
    Python ends a line. Undecodable bytes are replaced: this text only names
    code to the student, the compiler decodes the bytes itself."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError:
        encoding = "utf-8"
    text = source.decode(encoding, errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def shown(lines: list[str], line: int, end_line: int) -> str:
    """A statement's code as the feedback quotes it: its first line (all of
    it, so two statements on one line read as one place), shortened."""
    first = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return f"{first[:SHOWN].rstrip()} ..." if end_line > line or len(first) > SHOWN else first


def compile_definitions(source: bytes, filename: str) -> tuple[CodeType, list[dict[str, Any]]]:
    """Compile only the definitions of ``source``; list what was set aside
    (``line``, ``end_line``, ``what`` kind of code, its ``text``).

    Kept statements that raise, and imports of missing modules, do not stop
    the import: when the module runs with ``__grader_failed__`` (``FAILED``)
    bound to a list, they append ``(line, end_line, type, message)`` to it."""
    tree = ast.parse(source, filename)
    lines = source_lines(source)
    kept: list[ast.stmt] = []
    set_aside: list[dict[str, Any]] = []
    for node in tree.body:
        if not is_main_guard(node) and _keep(node):
            kept.append(_guard_statement(_guard_imports(node)))
        else:
            end = getattr(node, "end_lineno", node.lineno)
            code = "" if is_main_guard(node) else shown(lines, node.lineno, end)
            set_aside.append({"line": node.lineno, "end_line": end, "what": _describe(node), "text": code})
    module = ast.Module(body=kept, type_ignores=[])
    ast.fix_missing_locations(module)
    return compile(module, filename, "exec", dont_inherit=True), set_aside
