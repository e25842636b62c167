"""Who a file name says handed it in: logins only when they look like logins, version markers
dropped and reported, Canvas's parts parsed off first."""

from __future__ import annotations

import re

import pytest

from grader import assignments
from grader.identity import identify, students

HW2 = assignments.get("hw2_affine")
HW6 = assignments.get("hw6_mnist")


@pytest.mark.parametrize(
    ("filename", "logins", "markers"),
    [
        ("homework6_jsmith.py", ("jsmith",), ()),
        ("homework6_ab12_cd34.py", ("ab12", "cd34"), ()),
        ("Homework6_AB12_cd34.py", ("ab12", "cd34"), ()),
        ("homework6_jsmith-1.py", ("jsmith",), ("-1",)),
        ("homework6_jsmith-2.py", ("jsmith",), ("-2",)),
        ("homework6_jsmith_final.py", ("jsmith",), ("_final",)),
        ("homework6_jsmith_v2.py", ("jsmith",), ("_v2",)),
        ("homework6_jsmith_new.py", ("jsmith",), ("_new",)),
        ("homework6_jsmith_old.py", ("jsmith",), ("_old",)),
        ("homework6_jsmith_fixed.py", ("jsmith",), ("_fixed",)),
        ("homework6_jsmith_submission.py", ("jsmith",), ("_submission",)),
        ("homework6_jsmith_2.py", ("jsmith",), ("_2",)),
        ("homework6_jsmith (1).py", ("jsmith",), (" (1)",)),
        ("homework6_jsmith - Copy.py", ("jsmith",), (" - Copy",)),
        ("homework6_jsmith copy.py", ("jsmith",), (" copy",)),
        ("homework6_jsmith copy 2.py", ("jsmith",), (" copy 2",)),
        ("homework6_jsmith_copy.py", ("jsmith",), ("_copy",)),
        ("homework6_ab12_cd34_final-1.py", ("ab12", "cd34"), ("_final", "-1")),
        ("homework6_jsmith_final_v2 (1).py", ("jsmith",), ("_final", "_v2", " (1)")),
        ("homework6_final.py", (), ("_final",)),
        ("homework6_jsmith.zip", ("jsmith",), ()),
        ("homework6_jsmith.ipynb", ("jsmith",), ()),
        ("hw6_jsmith.py", ("jsmith",), ()),
        ("homework6.py", (), ()),
        ("homework6_John Smith.py", (), ()),
        ("homework6_j.py", (), ()),
        ("notes.py", (), ()),
    ],
)
def test_a_name_gives_logins_only_where_they_look_like_logins(filename, logins, markers):
    found = identify(HW6, filename)
    assert (found.logins, found.markers) == (logins, markers)
    assert found.version == bool(markers)
    assert students(HW6, filename) == logins


def test_what_names_nobody_is_kept_in_words_for_the_instructor():
    found = identify(HW6, "homework6_John Smith.py")
    assert found.logins == () and found.unread == "John Smith" and found.fits
    assert not identify(HW6, "homework6.py").fits


@pytest.mark.parametrize(
    ("filename", "logins", "user_id", "late", "version", "order"),
    [
        ("smithjohn_12345_6789012_homework2_affine_jsmith.py", ("jsmith",), "12345", False, False, (6789012, 0)),
        ("smithjohn_LATE_12345_6789013_homework2_affine_jsmith.py", ("jsmith",), "12345", True, False, (6789013, 0)),
        ("smithjohn_12345_6789014_homework2_affine_jsmith-1.py", ("jsmith",), "12345", False, True, (6789014, 1)),
        ("smithjohn_12345_6789015_affine_maps_v2.py", ("maps",), "12345", False, True, (6789015, 0)),
        ("anon_b4Xk2_6789016_homework2_affine_ab12_cd34.ipynb", ("ab12", "cd34"), "anon_b4Xk2", False, False,
         (6789016, 0)),
        ("smithjohn_LATE_12345_text.html", (), "12345", True, False, (0, 0)),
        ("smithjohn_12345_6789017_report.pdf", (), "12345", False, False, (6789017, 0)),
        ("homework2_affine_jsmith.py", ("jsmith",), None, False, False, (0, 0)),
    ],
)
def test_a_canvas_name_gives_the_canvas_user_lateness_and_the_students_own_name(
        filename, logins, user_id, late, version, order):
    found = identify(HW2, filename)
    assert (found.logins, found.user_id, found.late, found.version, found.order) == (
        logins, user_id, late, version, order)


def test_one_students_canvas_files_sort_oldest_first():
    files = ["smithjohn_12345_6789020_homework2_affine_jsmith-2.py",
             "smithjohn_12345_6789003_homework2_affine_jsmith.py",
             "smithjohn_12345_6789011_homework2_affine_jsmith-1.py"]
    ordered = sorted((identify(HW2, name) for name in files), key=lambda found: found.order)
    assert [found.canvas.repeat for found in ordered] == [None, 1, 2]


def test_a_roster_decides_who_is_a_student_and_a_login_pattern_can_be_the_courses():
    assert identify(HW6, "homework6_jsmith_maps.py", roster={"jsmith"}).logins == ()
    assert identify(HW6, "homework6_jsmith_AB12.py", roster={"jsmith", "ab12"}).logins == ("jsmith", "ab12")
    assert identify(HW6, "homework6_jsmith_final.py", roster={"jsmith"}).logins == ("jsmith",)
    numeric = re.compile(r"\d{9}")
    assert identify(HW6, "homework6_123456789.py", login=numeric, roster={"123456789"}).logins == ("123456789",)
    assert identify(HW6, "homework6_jsmith.py", login=numeric).logins == ()


@pytest.mark.parametrize(
    ("filename", "logins"),
    [("homework2_affine_copy1.py", ("copy1",)), ("Homework2_Affine_TF06_tg07.py", ("tf06", "tg07")),
     ("homework2_affine_tc03_td04_te05.py", ("tc03", "td04", "te05")), ("my_homework.py", ()),
     ("homework2_affine_s017.py", ("s017",))],
)
def test_the_names_batch_grading_relies_on_keep_their_students(filename, logins):
    assert students(HW2, filename) == logins
