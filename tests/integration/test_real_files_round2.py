"""Real files, round 2, at import: the shapes that break a file before any
function runs, each written as a student writes it and graded through the
real ``grade submit`` path:

* a global that the functions read but only the ``if __name__ ==
  "__main__":`` block assigns is supplied (the student's own literal, else
  the stub's default) and said, so a right answer is not lost to NameError;
* lines only IPython runs, left in a .py exported from a notebook, are set
  aside one by one and named, and the rest is graded; a syntax error of the
  file's own is still the one the student sees;
* a statement that breaks on the current libraries (matplotlib's renamed
  seaborn styles, scikit-learn's OneHotEncoder(sparse=...)) is set aside like
  other top-level code, and the library change is explained.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from course_files import REPO, SUBMISSIONS
from grader import assignments
from grader.checks import script_globals
from grader.cli import main
from grader.grading import grade_submission
from graded_classes import report_of

HW2_AFFINE = assignments.get("hw2_affine")
HW2_SOFTMAX = assignments.get("hw2_softmax")
REFERENCE = (REPO / "reference" / "hw2_affine" / "solution.py").read_text()
_, _, BODY = REFERENCE.partition("import numpy as np\n")


def exported_notebook(extra: str) -> str:
    """The hw2_affine reference as a student's notebook exported to .py by hand: cell markers,
    and ``extra`` (the cell that breaks plain Python) after the imports."""
    return ("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nimport numpy as np\n"
            "import matplotlib.pyplot as plt\n" + extra + "\n\n# In[2]:\n" + BODY)


def submit(tmp_path: Path, name: str, text: str, assignment=HW2_AFFINE):
    path = tmp_path / name
    path.write_text(text)
    return grade_submission(path, assignment=assignment)


def test_ipython_lines_left_in_a_py_are_set_aside_and_the_rest_earns_full_marks(tmp_path):
    reference = grade_submission(REPO / "reference" / "hw2_affine" / "solution.py", assignment=HW2_AFFINE)
    report = submit(tmp_path, "homework2_affine_jsmith.py",
                    exported_notebook("get_ipython().run_line_magic('matplotlib', 'inline')\n%matplotlib inline\n"
                                      "!pip install tqdm\nfiles = !ls"))
    assert report.imported and report.score == reference.score == reference.max_score
    notes = " ".join(report.notes)
    assert "line 10: set aside `%matplotlib inline` (an IPython magic" in notes
    assert "line 11: set aside `!pip install tqdm` (a shell command" in notes
    assert "line 12: set aside `files = !ls`" in notes
    assert "a .py file runs as plain Python" in notes


def test_an_ipython_line_beside_a_real_syntax_error_leaves_that_error_to_be_seen(tmp_path):
    text = exported_notebook("%matplotlib inline").replace("def AffineTransformation(W, b, x):",
                                                           "def AffineTransformation(W, b, x)")
    report = submit(tmp_path, "homework2_affine_jsmith.py", text)
    assert not report.imported and report.score == 0
    notes = " ".join(report.notes)
    assert "set aside `%matplotlib inline`" in notes
    line = text.splitlines().index("def AffineTransformation(W, b, x)") + 1
    assert f"line {line}: SyntaxError: expected ':'" in notes


def test_a_file_that_only_needs_its_ipython_lines_is_never_rewritten_when_it_is_valid(tmp_path):
    text = exported_notebook("# %matplotlib inline  (commented out, as it should be)")
    report = submit(tmp_path, "homework2_affine_jsmith.py", text)
    assert report.score == report.max_score
    assert not any("set aside" in note for note in report.notes)


def test_statements_that_break_on_current_libraries_are_set_aside_and_the_change_explained(tmp_path):
    text = exported_notebook("from sklearn.preprocessing import OneHotEncoder\nplt.style.use('seaborn-talk')\n"
                             "encoder = OneHotEncoder(sparse=False)")
    report = submit(tmp_path, "homework2_affine_jsmith.py", text)
    assert report.imported and report.score == report.max_score
    notes = " ".join(" ".join(report.notes).split())
    assert "OSError: 'seaborn-talk' is not a valid package style" in notes
    assert "matplotlib 3.6 renamed its seaborn styles: 'seaborn-talk' is now 'seaborn-v0_8-talk'" in notes
    assert "line 11: encoder = OneHotEncoder(sparse=False) (top-level code, it fails on the current libraries: " \
           "scikit-learn 1.4 removed OneHotEncoder's sparse=: write OneHotEncoder(sparse_output=False))" in notes


def test_the_cli_grades_each_shape_with_exit_0(tmp_path):
    shapes = {"magic": exported_notebook("%matplotlib inline"),
              "libraries": exported_notebook("plt.style.use('seaborn-talk')"),
              "broken": exported_notebook("%matplotlib inline").replace("return W @ x + b", "return W @ x +")}
    for name, text in shapes.items():
        path = tmp_path / f"homework2_affine_{name}.py"
        path.write_text(text)
        result = CliRunner().invoke(main, ["submit", str(path), "--json", str(tmp_path / f"{name}.json")])
        assert result.exit_code == 0, (name, result.output)
        assert json.loads((tmp_path / f"{name}.json").read_text())["tests"], name


# -- a global assigned only under `if __name__ == "__main__":` --------------------------------------------
MAIN_GLOBALS = SUBMISSIONS / "hw2_softmax" / "homework2_softmax_main_globals.py"


def test_a_global_assigned_only_under_main_is_supplied_with_the_students_value(quick_grades):
    report = report_of(quick_grades("hw2_softmax")["homework2_softmax_main_globals__hw2_softmax.py"], ("2.6", "1.1"))
    notes = " ".join(" ".join(report.notes).split())
    assert "train_softmax_classifier reads the global alpha, which your file assigns only under " \
           "`if __name__ == \"__main__\":` (line" in notes
    assert "the grader set alpha = 0.0 (your own value)" in notes
    assert "batch_size = 100 (the stub's default, as your assignment there is not a fixed value)" in notes
    assert {test.number: test.status for test in report.tests} == {"1.1": "passed", "2.6": "passed"}, report.tests


def test_only_globals_nothing_else_binds_are_supplied():
    stub = HW2_SOFTMAX.stub_source()
    source = MAIN_GLOBALS.read_text()
    found = {item.name: item for item in script_globals.supplied(source, stub)}
    assert set(found) == {"alpha", "batch_size"}
    assert found["alpha"].value == 0.0 and found["alpha"].own
    assert found["batch_size"].value == 100 and not found["batch_size"].own
    # two different literals say nothing certain, and the stub has no lr: nothing is supplied
    assert "lr" not in found
    # bound at module level after all, or read only by a function the block defines: left alone
    bound = source.replace("import numpy as np", "import numpy as np\nalpha = 0.5")
    assert {item.name for item in script_globals.supplied(bound, stub)} == {"batch_size"}
    guarded = "def f():\n    return k\n\nif __name__ == '__main__':\n    k = 1\n    def g():\n        return m\n" \
              "    m = 2\n"
    assert [item.name for item in script_globals.supplied(guarded, None)] == ["k"]
    assert script_globals.supplied("def f():\n    return k\n", None) == []
