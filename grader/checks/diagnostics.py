"""Explain errors from student code in words a student can act on."""

from __future__ import annotations

import re
import traceback

from grader import distribution
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
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
LIBRARY_CHANGES = (
    ("OSError", r"'(seaborn[-\w]*)' is not a valid package style", r"style\.use\(\s*['\"](seaborn[-\w]*)['\"]",
     "matplotlib 3.6 renamed its seaborn styles: {0!r} is now 'seaborn-v0_8{1}' (or leave the style out)"),
    ("TypeError", r"OneHotEncoder.__init__\(\) got an unexpected keyword argument 'sparse'()",
     r"OneHotEncoder\([^)]*\bsparse\s*=()", "scikit-learn 1.4 removed OneHotEncoder's sparse=: write "
                                           "OneHotEncoder(sparse_output=False)"),
    ("AttributeError", r"'DataFrame' object has no attribute 'append'()", r"\bdf\w*\.append\(()",
     "pandas 2.0 removed DataFrame.append: use pd.concat([df, more])"),
)
"""(exception type, its message, the code that raises it, what changed), for course code older than the
libraries the grader runs."""


def library_change(code: str, message: str | None = None) -> str | None:
    """What changed in a library, when ``code`` (or the error ``message``) is one of the known breaks."""
    for _, in_message, in_code, changed in LIBRARY_CHANGES:
        found = re.search(in_message, message) if message is not None else re.search(in_code, code)
        if found:
            name = found.group(1)
            return changed.format(name, name[len("seaborn"):])
    return None
DATA_DOWNLOADERS = ("keras", "tensorflow", "tensorflow_datasets", "torchvision", "mnist", "emnist")
"""Modules whose only use in these homeworks is downloading MNIST."""


def explain(error: StudentError) -> str:
    """One or two sentences: what went wrong and how to fix it. For a syntax
    error, the line as written with a caret under the place, as Python shows it."""
    message = error.message
    where = f"{error.where.strip().removeprefix('at ')}: " if error.line else ""
    if error.exc_type in SYNTAX_ERRORS:
        shown = _excerpt(error) or " "  # between two sentences
        if _python2_print(error):
            return (f"{where}Python 2 syntax (a `print` statement).{shown}This course grades Python 3: "
                    "write print(...) with parentheses.")
        if _python2(error):
            return f"{where}Python 2 syntax ({(error.source_line or '').strip()!r}).{shown}This course grades Python 3."
        return (f"{where}{error.exc_type}: {message}.{shown}The file cannot be imported, so nothing in it can be "
                "graded.")
    if error.exc_type == "SyntaxError" and (error.source_line or "").lstrip()[:1] in ("%", "!"):
        return (f"{where}{(error.source_line or '').strip()!r} is IPython's (a magic or a shell command), which a "
                ".py file cannot run: delete the line.{_excerpt(error) or ' '}")
    changed = library_change("", message)
    if changed and error.exc_type in {exc_type for exc_type, *_ in LIBRARY_CHANGES}:
        return f"{where}{error.exc_type}: {message[:160]}: {changed}. The grader runs the current libraries."
    if error.exc_type == "AttributeError":
        found = re.search(r"module 'numpy' has no attribute '(\w+)'", message)
        if found and found.group(1) in _REMOVED_NUMPY:
            name = found.group(1)
            return (f"{where}np.{name} no longer exists in numpy 2 (this grader runs numpy 2); "
                    f"use {_REMOVED_NUMPY[name]} instead.")
    if error.exc_type in ("ModuleNotFoundError", "ImportError"):
        found = re.search(r"No module named '([\w.]+)'", message)
        if found:
            return f"{where}{_missing_module(found.group(1))}"
    if error.exc_type == "NameError" and "xrange" in message:
        return f"{where}xrange is Python 2; use range in Python 3."
    if error.exc_type == "FileNotFoundError":
        return (f"{where}tried to open a file that is not there when grading ({message}). "
                "The grader passes data to your functions; load files only under `if __name__ == \"__main__\":`.")
    if error.exc_type in ("RefusedByGrader", "NetworkRefused", "TestSetWithheld"):
        return f"{where}{message}."
    return error.describe()


def _missing_module(name: str) -> str:
    """Why an import failed: a course library this grader was installed
    without, a part of one that does not exist, or a module the course does
    not offer."""
    top = name.split(".")[0]
    installed = distribution.installed_student_modules()
    if top in distribution.STUDENT_MODULES and top not in installed:
        return (f"imports {top!r}, one of the course's libraries, but this grader was installed without it: "
                f"install the grader with its {distribution.STUDENT_EXTRA!r} extra (in a student release: pip "
                f"install {distribution.install_argument('./grader-source')}) and grade again.")
    if top in installed:
        return f"imports {name!r}, which {top} does not have (check the module's name)."
    if top in DATA_DOWNLOADERS:
        return (f"imports the module {name!r}, which is not available for grading; its datasets would be "
                "downloaded, and grading runs without network access. The grader hands over the course's data "
                "files instead: np.load them by the course's file names (e.g. np.load(\"mnist_train_images.npy\")), "
                "from any folder.")
    return (f"imports the module {name!r}, which is not available for grading (available: "
            f"{', '.join(installed)} and the standard library).")


def not_graded(error: StudentError | None) -> str:
    """An item's whole feedback when the file could not be imported: the cause
    in a few words (the notes say it in full, once)."""
    at = f" (line {error.line})" if error is not None and error.line else ""
    if error is not None and error.exc_type in SYNTAX_ERRORS:
        python2 = _python2_print(error) or _python2(error)
        return f"not graded: the file has {'Python 2 syntax' if python2 else 'a syntax error'}{at}"
    return f"not graded: the file could not be imported{at}; the notes say why"


def _python2_print(error: StudentError) -> bool:
    return any(f"Missing parentheses in call to '{name}'" in error.message for name in ("print", "exec"))


def _python2(error: StudentError) -> bool:
    source = error.source_line or ""
    return bool(re.search(r"except\s+[\w.]+\s*,\s*\w+\s*:", source) or "ur'" in source
                or re.search(r"\bprint\s+[^(=]", source))


def _excerpt(error: StudentError) -> str:
    """The faulty line and a caret under the place, each on a line of its own
    indented by four spaces, drawn by Python's own traceback formatting
    (empty if the child did not say which line)."""
    if not error.source_line:
        return ""
    placed = SyntaxError(error.message, (None, None, error.column, error.source_line, None, error.end_column))
    drawn = traceback.format_exception_only(SyntaxError, placed)[:-1]  # the last line repeats the message
    return "\n" + "".join(drawn).rstrip("\n") + "\n" if drawn else ""


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
