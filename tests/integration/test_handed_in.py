"""``grade submit`` on what students really hand in: a zip with the PDF, a
notebook, a Canvas download name. The assignment is told from the name
inside the wrapping, the source inside is graded like a ``.py``, and what
cannot be graded is a graded 0 with the reason, never a usage error."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_files import REPO
from handins import notebook, zip_bytes as zipped
from grader.cli import main

SOLUTION = (REPO / "reference" / "hw2_affine" / "solution.py").read_text(encoding="utf-8")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def grade(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["submit", str(path), "--json", "-", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


SOLUTION_CELLS = ["%matplotlib inline\nimport matplotlib.pyplot as plt", *SOLUTION.split("\n\n\n"),
                  "!pip install numpy", "%%time\nprint(f_of_g())"]


@pytest.mark.parametrize(("name", "content"), [
    ("homework2_affine_jsmith.zip", zipped({"homework2_affine_jsmith.py": SOLUTION,
                                            "homework2_affine_jsmith.pdf": PDF})),
    ("homework2_affine_jsmith.zip", zipped({"jsmith/hw2/homework2_affine_jsmith.py": SOLUTION,
                                            "jsmith/hw2/derivations.pdf": PDF,
                                            "__MACOSX/jsmith/hw2/._homework2_affine_jsmith.py": b"\x00\x05\x16"})),
    ("homework2_affine_jsmith.ipynb", notebook(("md", "# Homework 2, problem 4"), *SOLUTION_CELLS)),
    ("homework2_affine_jsmith.zip", zipped({"homework2_affine_jsmith.ipynb": notebook(("md", "# Homework 2, problem 4"), *SOLUTION_CELLS),
                                            "homework2_affine_jsmith.pdf": PDF})),
    ("smithjohn_LATE_12345_6789012_homework2_affine_jsmith.py", SOLUTION),
], ids=["zip with the PDF", "zip with folders and macOS junk", "notebook with magics", "notebook in a zip",
        "Canvas download name"])
def test_what_students_hand_in_earns_every_point_with_the_assignment_detected(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    result = grade(path)
    assert result["assignment"] == "hw2_affine"
    assert result["score"] == result["max_score"] == 15, [t["output"] for t in result["tests"] if t["score"] < t["max_score"]]
    assert result["submission"] == name
    if name.endswith(".zip"):
        assert [c["name"].rsplit("/", 1)[-1] for c in result["handed"]["companions"]] == [
            "homework2_affine_jsmith.pdf" if "jsmith.pdf" in str(zipfile.ZipFile(path).namelist()) else
            "derivations.pdf"]


def test_a_notebook_s_magics_are_set_aside_and_named_by_cell(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.ipynb"
    path.write_text(notebook(("md", "# Homework 2, problem 4"), *SOLUTION_CELLS), encoding="utf-8")
    notes = " ".join(grade(path)["notes"])
    assert "cell 2, line 1" in notes and "%matplotlib inline" in notes
    assert "!pip install numpy" in notes


def test_a_mistake_in_a_notebook_is_placed_in_its_cell_not_a_line_of_a_generated_file(tmp_path):
    cells = [*SOLUTION.split("\n\n\n")]
    broken = next(i for i, cell in enumerate(cells) if "def Composition" in cell)
    cells[broken] = cells[broken].replace("def Composition(L, x):", "def Composition(L, x):\n    raise ValueError('oops')")
    path = tmp_path / "homework2_affine_jsmith.ipynb"
    path.write_text(notebook(("md", "# Homework 2, problem 4"), *cells), encoding="utf-8")
    result = grade(path)
    composition = [t for t in result["tests"] if "Composition" in t["name"] and t["score"] < t["max_score"]]
    assert composition
    cell = broken + 2  # cells count from the top, the markdown cell first
    assert any(f"cell {cell}, line 2" in t["output"] for t in composition), [t["output"] for t in composition]


@pytest.mark.parametrize(("name", "content", "says"), [
    ("homework2_affine_jsmith.zip", zipped({"homework2_affine_jsmith.pdf": PDF, "notes.txt": "see pdf"}),
     "holds no Python file"),
    ("homework2_affine_jsmith.ipynb", '{"cells": [{"cell_type": "code", "source": 7}], "nbformat": 4}',
     "not a valid notebook"),
    ("homework2_affine_jsmith.zip", b"PK\x03\x04 this is not really a zip", "zip"),
], ids=["zip without code", "corrupt notebook", "corrupt zip"])
def test_what_cannot_be_graded_scores_zero_with_the_reason_and_exit_0(tmp_path, name, content, says):
    path = tmp_path / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    result = grade(path)
    assert result["assignment"] == "hw2_affine" and result["score"] == 0
    assert says in " ".join(result["notes"]), result["notes"]
