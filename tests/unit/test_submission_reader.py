"""The submission reader on what students really hand in: plain files in any encoding, zips with
the PDF (nested folders, macOS leftovers, several candidates, a zip in a zip), folders, and
notebooks, the correct hw2_affine answer among them."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_files import REPO
from handins import notebook, zip_bytes
from grader import assignments
from grader.submissions import read

HW2 = assignments.get("hw2_affine")
HW6 = assignments.get("hw6_mnist")
SOLUTION = (REPO / "reference" / "hw2_affine" / "solution.py").read_text(encoding="utf-8")
PDF = (b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
ANSWER = "def affine_parameters():\n    return 1\n"


def make_zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def solution_cells() -> list[str]:
    """reference/hw2_affine/solution.py cut into a cell per top-level statement group, the way a
    student pastes functions into cells."""
    lines = SOLUTION.splitlines(keepends=True)
    starts = [node.lineno - 1 - len(getattr(node, "decorator_list", [])) for node in ast.parse(SOLUTION).body]
    return ["".join(lines[a:b]).rstrip("\n") for a, b in zip(starts, [*starts[1:], len(lines)])]


def defined(text: str) -> dict[str, str]:
    return {node.name: ast.dump(node) for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)}


# --- plain files -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("# -*- coding: latin-1 -*-\nname = 'José'\n".encode("latin-1"), "name = 'José'"),
        (b"\xef\xbb\xbfname = 'Jos\xc3\xa9'\n", "name = 'José'"),
        ("# In[3]:\n\n\nx = 1\n".encode(), "# In[3]:\n\n\nx = 1\n"),
    ],
    ids=["latin-1 coding line", "utf-8 with BOM", "notebook export stays as written"],
)
def test_a_python_file_reads_as_python_reads_it(tmp_path, raw, expected):
    path = tmp_path / "homework2_affine_jsmith.py"
    path.write_bytes(raw)
    handed = read(path, HW2)
    assert handed.refusal is None and handed.kind == "py" and handed.source_name == path.name
    assert expected in handed.source and "\ufeff" not in handed.source
    assert handed.where(4) == "line 4"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"x = 1\x00\n", "NUL bytes"),
        ("name = 'José'\n".encode("latin-1"), "not UTF-8 text"),
        (b"x = 1\n" * 400_000, "a submission may be at most"),
    ],
    ids=["NUL bytes", "latin-1 without a coding line", "too large"],
)
def test_a_python_file_python_cannot_read_is_refused_with_the_reason(tmp_path, raw, says):
    path = tmp_path / "homework2_affine_jsmith.py"
    path.write_bytes(raw)
    handed = read(path, HW2)
    assert handed.source is None and says in handed.refusal


def test_a_pdf_handed_alone_is_refused_as_not_python(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.pdf"
    path.write_bytes(PDF)
    assert "not Python source" in read(path, HW2).refusal


def test_a_zip_named_py_is_read_as_the_zip_it_is(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.py"
    path.write_bytes(zip_bytes({"homework2_affine_jsmith.py": ANSWER}))
    handed = read(path, HW2)
    assert handed.kind == "zip" and handed.source == ANSWER and "is a zip archive" in handed.notes[0]


# --- zips --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("members", "member", "companions", "note"),
    [
        ({"homework2_affine_jsmith.py": ANSWER, "homework2_affine_jsmith.pdf": PDF},
         "homework2_affine_jsmith.py", ["homework2_affine_jsmith.pdf"], None),
        ({"jsmith/hw2/homework2_affine_jsmith.py": ANSWER, "jsmith/hw2/report.pdf": PDF},
         "jsmith/hw2/homework2_affine_jsmith.py", ["jsmith/hw2/report.pdf"], None),
        ({"hw2/homework2_affine_jsmith.py": ANSWER, "__MACOSX/hw2/._homework2_affine_jsmith.py": b"\x00\x05junk",
          "hw2/.DS_Store": b"\x00junk", "hw2/__pycache__/x.cpython-311.pyc": b"\x00", "hw2/report.pdf": PDF},
         "hw2/homework2_affine_jsmith.py", ["hw2/report.pdf"], None),
        ({"main.py": ANSWER, "report.pdf": PDF}, "main.py", ["report.pdf"], "does not fit homework2_affine*.py"),
        ({"homework2_affine.py": ANSWER, "utils.py": "x = 1\n"}, "homework2_affine.py", ["utils.py"],
         "also came, not graded: utils.py"),
        ({"homework2_affine_jsmith.py": ANSWER, "homework2_affine_jsmith.ipynb": notebook("x = 1")},
         "homework2_affine_jsmith.py", ["homework2_affine_jsmith.ipynb"], "was not graded: the .py"),
    ],
    ids=["py and pdf", "nested folders", "macOS leftovers ignored", "one python file of another name",
         "the stub's name among helpers", "py beside its notebook"],
)
def test_a_zip_gives_the_python_file_that_fits_and_its_companions(tmp_path, members, member, companions, note):
    handed = read(make_zip(tmp_path / "homework2_affine_jsmith.zip", members), HW2)
    assert handed.refusal is None and handed.kind == "zip"
    assert handed.member == member and handed.source == ANSWER
    assert [companion.name for companion in handed.companions] == companions
    assert handed.source_name == Path(member).name
    assert handed.where(2) == f"{Path(member).name} line 2"
    if note is None:
        assert handed.notes == ()
    else:
        assert any(note in line for line in handed.notes), handed.notes


@pytest.mark.parametrize(
    ("members", "refusal"),
    [
        ({"report.pdf": PDF, "notes.txt": "hi"}, "the zip holds no Python file (it holds: report.pdf, notes.txt)"),
        ({}, "the zip holds no Python file (it holds no files at all)"),
        ({"a/homework2_affine_jsmith.py": ANSWER, "b/homework2_affine_jsmith.py": ANSWER},
         "the zip holds 2 Python files that fit homework2_affine*.py: a/homework2_affine_jsmith.py, "
         "b/homework2_affine_jsmith.py; hand in one"),
        ({"main.py": ANSWER, "utils.py": ANSWER}, "holds 2 Python files and none is named after homework2_affine*.py"),
        ({"homework2_affine_jsmith.py": b"x = 1\x00"}, "homework2_affine_jsmith.py in the zip is not Python source"),
        ({"homework2_affine_jsmith.ipynb": "{not json"},
         "homework2_affine_jsmith.ipynb in the zip: not a valid notebook"),
    ],
    ids=["no python file", "empty", "two that fit", "several that fit nothing", "binary py", "corrupt notebook"],
)
def test_a_zip_without_one_clear_python_file_is_refused_naming_what_it_holds(tmp_path, members, refusal):
    handed = read(make_zip(tmp_path / "homework2_affine_jsmith.zip", members), HW2)
    assert handed.source is None and refusal in handed.refusal, handed.refusal


def test_a_notebook_in_a_zip_is_read_as_a_notebook_and_feedback_names_its_cells(tmp_path):
    members = {"hw/homework2_affine_jsmith.ipynb": notebook(("md", "# Homework 2"), "import numpy as np", ANSWER),
               "hw/homework2_affine_jsmith.pdf": PDF}
    handed = read(make_zip(tmp_path / "homework2_affine_jsmith.zip", members), HW2)
    assert handed.source_name == "homework2_affine_jsmith.py" and handed.member == "hw/homework2_affine_jsmith.ipynb"
    assert handed.source == "import numpy as np\n" + ANSWER
    assert handed.where(3) == "homework2_affine_jsmith.ipynb, cell 3, line 2"


def test_kept_companions_are_copied_byte_for_byte_inside_the_keep_folder(tmp_path):
    members = {"hw/homework2_affine_jsmith.py": ANSWER, "hw/report.pdf": PDF, "hw/figures/loss.png": b"\x89PNG" * 99}
    handed = read(make_zip(tmp_path / "homework2_affine_jsmith.zip", members), HW2, keep=tmp_path / "kept")
    kept = {companion.name: companion for companion in handed.companions}
    assert kept["hw/report.pdf"].kept == (tmp_path / "kept" / "hw" / "report.pdf").resolve()
    assert kept["hw/report.pdf"].kept.read_bytes() == PDF and kept["hw/report.pdf"].size == len(PDF)
    assert kept["hw/figures/loss.png"].kept.read_bytes() == b"\x89PNG" * 99
    assert not (tmp_path / "kept" / "hw" / "homework2_affine_jsmith.py").exists()


def test_a_zip_holding_only_a_zip_is_read_through_it_one_level_deep(tmp_path):
    inner = zip_bytes({"homework2_affine_jsmith.py": ANSWER, "report.pdf": PDF})
    handed = read(make_zip(tmp_path / "outer.zip", {"homework2_affine_jsmith.zip": inner, "readme.txt": "hi"}),
                  HW2, keep=tmp_path / "kept")
    assert handed.source == ANSWER and handed.member == "homework2_affine_jsmith.zip/homework2_affine_jsmith.py"
    assert {companion.name for companion in handed.companions} == {
        "readme.txt", "homework2_affine_jsmith.zip/report.pdf"}
    assert (tmp_path / "kept" / "homework2_affine_jsmith.zip" / "report.pdf").read_bytes() == PDF
    deeper = zip_bytes({"inner.zip": zip_bytes({"middle.zip": zip_bytes({"homework2_affine_jsmith.py": ANSWER})})})
    (tmp_path / "deep.zip").write_bytes(deeper)
    refused = read(tmp_path / "deep.zip", HW2).refusal
    assert "a zip inside a zip inside it is not read" in refused


def test_names_in_any_encoding_are_read_as_their_maker_meant(tmp_path):
    """Without the UTF-8 flag a name is code page 437, unless it is valid UTF-8 (as many tools write it)."""
    members = {"homework2_affine_jsmith.py": ANSWER, "r#sum#.pdf": PDF, "n##ve.txt": "x", "caf\u00e9.md": "flagged"}
    raw = make_zip(tmp_path / "homework2_affine_jsmith.zip", members).read_bytes()
    raw = raw.replace(b"r#sum#.pdf", "résumé.pdf".encode("cp437")).replace(b"n##ve.txt", "näve.txt".encode("utf-8"))
    (tmp_path / "homework2_affine_jsmith.zip").write_bytes(raw)
    handed = read(tmp_path / "homework2_affine_jsmith.zip", HW2)
    assert {companion.name for companion in handed.companions} == {"résumé.pdf", "näve.txt", "café.md"}


@pytest.mark.parametrize(
    "raw",
    [b"not a zip at all", b"PK\x03\x04" + bytes(range(200)), zip_bytes({"homework2_affine_jsmith.py": ANSWER})[:-30]],
    ids=["text", "zip magic then noise", "cut short"],
)
def test_a_corrupt_zip_is_a_refusal_not_a_crash(tmp_path, raw):
    path = tmp_path / "homework2_affine_jsmith.zip"
    path.write_bytes(raw)
    assert "not a zip" in read(path, HW2).refusal


# --- folders (Gradescope's /autograder/submission) ---------------------------------------------------------------

def test_a_folder_is_read_by_a_zips_rules_and_a_zip_inside_it_is_opened(tmp_path):
    folder = tmp_path / "submission"
    (folder / "hw" / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / "hw" / "homework6_jsmith.py").write_text(ANSWER)
    (folder / "hw" / ".ipynb_checkpoints" / "homework6_jsmith-checkpoint.py").write_text("old = 1\n")
    (folder / "hw" / "report.pdf").write_bytes(PDF)
    (folder / "hw" / "elsewhere.py").symlink_to("/etc/passwd")
    handed = read(folder, HW6)
    assert handed.kind == "folder" and handed.member == "hw/homework6_jsmith.py" and handed.source == ANSWER
    assert [companion.name for companion in handed.companions] == ["hw/report.pdf"]
    assert any("link hw/elsewhere.py" in note for note in handed.notes)
    zipped = tmp_path / "gradescope"
    zipped.mkdir()
    make_zip(zipped / "upload.zip", {"homework6_jsmith.py": ANSWER, "homework6_jsmith.pdf": PDF})
    handed = read(zipped, HW6)
    assert handed.source == ANSWER and handed.member == "upload.zip/homework6_jsmith.py"


def test_an_empty_folder_is_the_students_refusal(tmp_path):
    (tmp_path / "submission").mkdir()
    assert read(tmp_path / "submission", HW6).refusal == "the folder holds no Python file (it holds no files at all)"


# --- notebooks ---------------------------------------------------------------------------------------------------

def test_a_correct_hw2_affine_notebook_defines_what_the_solution_defines(tmp_path):
    cells = solution_cells()
    path = tmp_path / "homework2_affine_jsmith.ipynb"
    path.write_text(notebook(("md", "# Homework 2: affine maps"), "%matplotlib inline", *cells))
    handed = read(path, HW2)
    assert handed.kind == "ipynb" and handed.source_name == "homework2_affine_jsmith.py" and handed.refusal is None
    assert defined(handed.source) == defined(SOLUTION) and len(defined(SOLUTION)) == 8
    assert handed.source.replace("\n", "") == "".join(cells).replace("\n", "")
    line = handed.source.splitlines().index("def Composition(L, x):") + 1
    cell = 3 + next(index for index, text in enumerate(cells) if text.startswith("def Composition"))
    assert handed.where(line) == f"cell {cell}, line 1"
    assert any("cell 2, line 1: set aside `%matplotlib inline`" in note for note in handed.notes)


IPYTHON_CELLS = (
    ("md", "Magics and shell lines; the grader runs plain Python."),
    "%matplotlib inline\nimport numpy as np",
    "!pip install tqdm\nx = 1\nfiles = !ls\nnp.dot?\n??np.sum",
    "%%time\ny = x + 1",
    "%%bash\necho hi",
    'def f():\n    """Why?\n    %d items\n    !important\n    """\n    return 1  # really?',
    "get_ipython().run_line_magic('matplotlib', 'inline')\nz = 2",
    "def broken(:\n    pass",
    "for i in range(2):\n    !echo $i\n    total = i",
    "%%timeit\ndef timed():\n    pass",
    "from __future__ import annotations\nw = 3",
)


def test_a_notebooks_ipython_lines_are_set_aside_and_named_and_the_rest_runs(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.ipynb"
    path.write_text(notebook(*IPYTHON_CELLS))
    handed = read(path, HW2)
    namespace: dict[str, object] = {}
    exec(compile(handed.source, "notebook", "exec"), namespace)
    assert {"np", "x", "y", "f", "z", "total", "w"} <= set(namespace)
    assert not {"timed", "broken", "files"} & set(namespace)
    assert namespace["f"].__doc__ == "Why?\n    %d items\n    !important\n    "
    notes = "\n".join(handed.notes)
    for said in ("cell 2, line 1: set aside `%matplotlib inline`", "cell 3, line 1: set aside `!pip install tqdm`",
                 "cell 3, line 3: set aside `files = !ls`", "cell 3, line 4: set aside `np.dot?`",
                 "cell 3, line 5: set aside `??np.sum`", "cell 4, line 1: set aside `%%time`",
                 "cell 5: set aside the whole cell: `%%bash`", "cell 7, line 1: set aside `get_ipython()",
                 "cell 8: set aside the whole cell: it is not valid Python", "cell 9, line 2: set aside `!echo $i`",
                 "cell 10: set aside the whole cell: `%%timeit`", "cell 11, line 1: set aside `from __future__"):
        assert said in notes, said
    assert "cell 6" not in notes
    assert handed.where(handed.source.splitlines().index("y = x + 1") + 1) == "cell 4, line 2"
    assert handed.where(handed.source.splitlines().index("    total = i") + 1) == "cell 9, line 3"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"{not json", "it is not JSON (Expecting property name"),
        (b"[1, 2]", "it is JSON, but not a notebook's"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "missing an expected key: cells"),
        (notebook("x = 1").replace('"metadata": {}', '"metadata": {}, "bogus": 1', 1).encode(), "cell 1: Additional"),
        (b'{"nbformat": 99, "nbformat_minor": 0, "metadata": {}, "cells": []}', "Unsupported nbformat version 99"),
        (notebook("x = 1").encode("utf-16"), "not UTF-8 text"),
        (notebook("x = 1").encode()[:-40], "it is not JSON"),
        (b"", "it is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not a valid notebook"),
        (notebook(("md", "only words")).encode(), "the notebook holds no code to grade"),
    ],
    ids=["not json", "a json list", "no cells", "unknown cell field", "unknown version", "utf-16", "cut short",
         "empty", "nested too deep", "no code cells"],
)
def test_a_corrupt_or_invalid_notebook_is_a_refusal_not_a_crash(tmp_path, raw, says):
    path = tmp_path / "homework2_affine_jsmith.ipynb"
    path.write_bytes(raw)
    handed = read(path, HW2)
    assert handed.source is None and says in handed.refusal, handed.refusal
    if "holds no code" not in says:
        assert handed.refusal.startswith("not a valid notebook: ")


def test_a_notebook_saved_under_a_py_name_is_read_as_a_notebook(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.py"
    path.write_text(notebook(ANSWER))
    handed = read(path, HW2)
    assert handed.kind == "ipynb" and handed.source == ANSWER and "is a Jupyter notebook" in handed.notes[0]
