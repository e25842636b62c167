"""Explain errors from student code in words a student can act on."""

from __future__ import annotations

import re

from grader.rubric import Outcome
from grader.sandbox.session import CallResult, StudentError

# numpy names removed in numpy 2 (or earlier) that old course files still use.
_REMOVED_NUMPY = {
    "float": "float", "int": "int", "bool": "bool", "object": "object", "complex": "complex",
    "str": "str", "long": "int", "unicode": "str", "float_": "np.float64", "complex_": "np.complex128",
    "NaN": "np.nan", "Inf": "np.inf", "NAN": "np.nan", "Infinity": "np.inf", "PINF": "np.inf",
    "NINF": "-np.inf", "infty": "np.inf", "asscalar": "a.item()", "product": "np.prod",
    "alltrue": "np.all", "sometrue": "np.any", "cumproduct": "np.cumprod", "row_stack": "np.vstack",
    "in1d": "np.isin", "trapz": "np.trapezoid", "mat": "np.asarray", "msort": "np.sort(a, axis=0)",
}
ALLOWED_THIRD_PARTY = ("numpy", "scipy", "matplotlib", "sklearn", "pandas", "tqdm")


def explain(error: StudentError) -> str:
    """One or two sentences: what went wrong and how to fix it."""
    message = error.message
    where = f"{error.where.strip().removeprefix('at ')}: " if error.line else ""
    if error.exc_type == "SyntaxError" or error.exc_type in ("IndentationError", "TabError"):
        if "Missing parentheses in call to 'print'" in message or "Missing parentheses in call to 'exec'" in message:
            return (f"{where}Python 2 syntax (a `print` statement). This course grades Python 3: "
                    "write print(...) with parentheses.")
        source = error.source_line or ""
        if re.search(r"except\s+[\w.]+\s*,\s*\w+\s*:", source) or "ur'" in source or re.search(r"\bprint\s+[^(=]", source):
            return f"{where}Python 2 syntax ({source.strip()!r}). This course grades Python 3."
        return f"{where}{error.exc_type}: {message}. The file cannot be imported, so nothing in it can be graded."
    if error.exc_type == "AttributeError":
        found = re.search(r"module 'numpy' has no attribute '(\w+)'", message)
        if found and found.group(1) in _REMOVED_NUMPY:
            name = found.group(1)
            return (f"{where}np.{name} no longer exists in numpy 2 (this grader runs numpy 2); "
                    f"use {_REMOVED_NUMPY[name]} instead.")
    if error.exc_type in ("ModuleNotFoundError", "ImportError"):
        found = re.search(r"No module named '([\w.]+)'", message)
        if found:
            return (f"{where}imports the module {found.group(1)!r}, which is not available for grading "
                    f"(available: {', '.join(ALLOWED_THIRD_PARTY)} and the standard library).")
    if error.exc_type == "NameError" and "xrange" in message:
        return f"{where}xrange is Python 2; use range in Python 3."
    if error.exc_type == "FileNotFoundError":
        return (f"{where}tried to open a file that is not there when grading ({message}). "
                "The grader passes data to your functions; load files only under `if __name__ == \"__main__\":`.")
    if error.exc_type == "RefusedByGrader":
        return f"{where}{message}."
    return error.describe()


def call_failed(result: CallResult, *, signature: str | None = None) -> Outcome:
    """The outcome for a call that produced no value."""
    error = result.error
    assert error is not None
    if error.kind == "missing":
        expected = f" (expected: def {signature})" if signature else ""
        return Outcome(0.0, f"{result.function} is not defined in the submission{expected}",
                       hint=f"define {signature or result.function} with exactly this name")
    if error.unimplemented:
        return Outcome(0.0, f"{result.function}: not implemented yet (the stub still raises NotImplementedError)",
                       hint=f"implement {result.function}", not_implemented=result.function)
    if error.kind == "budget":
        return Outcome.error(f"{result.function}: {error.message}")
    return Outcome.error(f"{result.function} {explain(error)}" if error.kind == "exception"
                         else f"{result.function}: {error.message}")
