"""Canvas "Download Submissions" names, as Canvas writes them."""

from __future__ import annotations

import pytest

from grader.submissions import names
from grader.submissions.canvas import CanvasName, parse


def canvas(sortable_name, late, user_id, file_id, original, repeat=None, kind="file"):
    return CanvasName(sortable_name, late, user_id, file_id, original, repeat, kind)


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("smithjohn_12345_6789012_homework2_affine_jsmith.py",
         canvas("smithjohn", False, "12345", "6789012", "homework2_affine_jsmith.py")),
        ("smithjohn_LATE_12345_6789012_homework2_affine_jsmith.py",
         canvas("smithjohn", True, "12345", "6789012", "homework2_affine_jsmith.py")),
        ("smithjohn_12345_6789012_homework2_affine_jsmith-1.py",
         canvas("smithjohn", False, "12345", "6789012", "homework2_affine_jsmith-1.py", repeat=1)),
        ("smithjohn_LATE_12345_6789099_homework6_jsmith-12.zip",
         canvas("smithjohn", True, "12345", "6789099", "homework6_jsmith-12.zip", repeat=12)),
        ("smithjohn_12345_text.html", canvas("smithjohn", False, "12345", None, "", kind="text")),
        ("smithjohn_LATE_12345_text.html", canvas("smithjohn", True, "12345", None, "", kind="text")),
        ("smithjohn_12345_link.html", canvas("smithjohn", False, "12345", None, "", kind="link")),
        ("anon_b4Xk2_6789012_homework6_ab12_cd34.py",
         canvas(None, False, "anon_b4Xk2", "6789012", "homework6_ab12_cd34.py")),
        ("LATE_anon_b4Xk2_6789012_homework6_jsmith.ipynb",
         canvas(None, True, "anon_b4Xk2", "6789012", "homework6_jsmith.ipynb")),
        ("anon_b4Xk2_text.html", canvas(None, False, "anon_b4Xk2", None, "", kind="text")),
        ("anon_b4Xk2_6789012_2024_10_homework6.py",
         canvas(None, False, "anon_b4Xk2", "6789012", "2024_10_homework6.py")),
        ("anon_48213_6789012_homework6_jsmith.py", canvas(None, False, "anon_48213", "6789012", "homework6_jsmith.py")),
        ("smithjohn_12345_6789012_2024_10_homework_6_final version.py",
         canvas("smithjohn", False, "12345", "6789012", "2024_10_homework_6_final version.py")),
        ("smithjohn_12345_6789012_text.html", canvas("smithjohn", False, "12345", "6789012", "text.html")),
        ("müllerjürgen_12345_6789012_homework6_jmuller.py",
         canvas("müllerjürgen", False, "12345", "6789012", "homework6_jmuller.py")),
        ("obrien_jr2mary_12345_6789012_homework6_mobrien.py",
         canvas("obrien_jr2mary", False, "12345", "6789012", "homework6_mobrien.py")),
        ("_12345_6789012_homework6_x.py", canvas("", False, "12345", "6789012", "homework6_x.py")),
        ("smithjohn_12345_6789012_my-2-files.py", canvas("smithjohn", False, "12345", "6789012", "my-2-files.py")),
    ],
    ids=["plain", "late", "repeat", "late repeat zip", "text entry", "late text entry", "link entry", "anonymous",
         "late anonymous", "anonymous text", "anonymous, digits leading the original",
         "anonymous id of digits", "underscores and digits in the original", "a file called text.html",
         "unicode name", "underscore in the name", "empty sortable name", "dash not before the extension"],
)
def test_a_canvas_download_name_gives_canvas_own_parts(filename, expected):
    assert parse(filename) == expected


@pytest.mark.parametrize(
    "filename",
    ["homework2_affine_jsmith.py", "homework6_ab12_cd34.py", "smithjohn_homework6.py", "smithjohn_12345.py",
     "smithjohn_12345_", "smithjohn_late_12345_text.htm", "anon__text.html", ""],
)
def test_a_name_canvas_did_not_write_is_not_read_as_one(filename):
    assert parse(filename) is None


@pytest.mark.parametrize(
    ("filename", "base_name"),
    [("smithjohn_12345_6789012_homework2_affine_jsmith-1.py", "homework2_affine_jsmith.py"),
     ("smithjohn_12345_6789012_notes-3", "notes"),
     ("smithjohn_12345_6789012_homework2_affine_jsmith.py", "homework2_affine_jsmith.py")],
)
def test_the_base_name_is_the_one_the_student_gave(filename, base_name):
    assert parse(filename).base_name == base_name


@pytest.mark.parametrize(
    ("filename", "python_name"),
    [("smithjohn_12345_6789012_homework2_affine_jsmith.ipynb", "homework2_affine_jsmith.py"),
     ("smithjohn_LATE_12345_6789012_homework6_jsmith.zip", "homework6_jsmith.py"),
     ("homework6_jsmith.zip", "homework6_jsmith.py"),
     ("uploads/homework6_jsmith.py", "homework6_jsmith.py"),
     ("smithjohn_12345_text.html", "smithjohn_12345_text.html"),
     ("report.pdf", "report.pdf")],
)
def test_the_python_name_is_what_an_assignment_is_detected_by(filename, python_name):
    assert names.python_name(filename) == python_name
