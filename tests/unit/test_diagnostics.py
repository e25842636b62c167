"""Errors from student code, explained in terms a student can act on."""

from __future__ import annotations

import pytest

from grader.checks.diagnostics import explain
from grader.sandbox.session import StudentError


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (StudentError("exception", "Missing parentheses in call to 'print'. Did you mean print(...)?", "SyntaxError",
                      line=12), "line 12: Python 2 syntax"),
        (StudentError("exception", "invalid syntax", "SyntaxError", line=40, source_line="except ValueError, e:"),
         "Python 2 syntax"),
        (StudentError("exception", "module 'numpy' has no attribute 'float'", "AttributeError", line=7),
         "line 7: np.float no longer exists in numpy 2"),
        (StudentError("exception", "module 'numpy' has no attribute 'asscalar'", "AttributeError"), "a.item()"),
        (StudentError("exception", "No module named 'torch'", "ModuleNotFoundError", line=3), "'torch'"),
        (StudentError("exception", "name 'xrange' is not defined", "NameError"), "use range"),
        (StudentError("exception", "[Errno 2] No such file or directory: 'mnist.npy'", "FileNotFoundError"),
         "__main__"),
        (StudentError("exception", "", "NotImplementedError"), "not implemented"),
    ],
)
def test_explain_names_the_problem(error, says):
    assert says in explain(error)
