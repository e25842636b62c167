"""A class as Canvas's "Download Submissions" delivers it: Canvas-named files,
LATE ones, -1 repeats, zips with the PDF, notebooks, a text entry, a stray
PDF. Every file is accounted for, and the gradebook rows carry the Canvas
user ids."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_files import REPO
from handins import notebook, zip_bytes

GRADE = Path(sys.executable).parent / "grade"
SOLUTION = (REPO / "reference" / "hw2_affine" / "solution.py").read_text(encoding="utf-8")
STUB = (REPO / "assignments" / "hw2_affine" / "homework2_affine.py").read_text(encoding="utf-8")
PDF = b"%PDF-1.4\n%%EOF\n"


CLASS: list[tuple[str, str | bytes]] = [  # in the order Canvas's zip would unpack them
    ("smithjohn_12345_6789012_homework2_affine_jsmith.py", STUB),  # an early upload...
    ("smithjohn_12345_6789020_homework2_affine_jsmith-1.py", SOLUTION),  # ...and the later one: graded
    ("doejane_LATE_23456_6789013_homework2_affine_jdoe.py", SOLUTION),
    ("leeanna_34567_6789014_homework2_affine_alee.zip", zip_bytes({"homework2_affine_alee.py": SOLUTION,
                                                              "homework2_affine_alee.pdf": PDF})),
    ("parkmin_45678_6789015_homework2_affine_mpark.ipynb", notebook("%matplotlib inline", *SOLUTION.split("\n\n\n"))),
    ("parkmin_45678_6789016_homework2_affine_mpark.pdf", PDF),
    ("chenli_56789_text.html", "<p>I could not upload my file, here is my code: ...</p>"),
    ("stray_notes.pdf", PDF),
    (".DS_Store", b"\x00\x00\x00\x01Bud1"),
]


@pytest.mark.slow
def test_a_canvas_download_folder_is_graded_with_every_file_accounted_for(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for index, (name, data) in enumerate(CLASS):
        path = folder / name
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, encoding="utf-8")
        os.utime(path, (time.time() - 1000 + index, time.time() - 1000 + index))
    out = tmp_path / "out"
    done = subprocess.run([str(GRADE), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                           "--jobs", "2"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "100"})
    assert done.returncode == 0, done.stdout + done.stderr

    summary = json.loads((out / "summary.json").read_text())
    status = {entry["file"]: entry["status"] for entry in summary["files"]}
    assert sorted(status) == sorted(name for name, _ in CLASS)  # every file, none silently skipped
    assert status == {
        "smithjohn_12345_6789012_homework2_affine_jsmith.py": "superseded",
        "smithjohn_12345_6789020_homework2_affine_jsmith-1.py": "graded",
        "doejane_LATE_23456_6789013_homework2_affine_jdoe.py": "graded",
        "leeanna_34567_6789014_homework2_affine_alee.zip": "graded",
        "parkmin_45678_6789015_homework2_affine_mpark.ipynb": "graded",
        "parkmin_45678_6789016_homework2_affine_mpark.pdf": "companion",
        "chenli_56789_text.html": "refused",
        "stray_notes.pdf": "refused",
        ".DS_Store": "refused",
    }
    assert summary["counts"] == {"files": 9, "graded": 4, "superseded": 1, "companions": 1, "refused": 3,
                                 "students": 4, "late": 1}
    assert summary["students"] == 4  # students, not file stems

    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[1:]  # past the Points Possible row
    by_id = {row["ID"]: row for row in rows}
    assert sorted(by_id) == ["12345", "23456", "34567", "45678"]
    assert by_id["12345"]["SIS Login ID"] == "jsmith" and float(by_id["12345"]["Affine maps: composition and "
                                                                            "gradients"]) == 15
    assert by_id["23456"]["Late"] == "late" and by_id["12345"]["Late"] == ""
    assert all(float(row["Affine maps: composition and gradients"]) == 15 for row in rows)

    for text in ((out / "summary.md").read_text(), (out / "summary.html").read_text(), done.stdout):
        assert "9 files: 4 graded, 1 superseded, 1 kept with a submission, 3 refused; 4 students, 1 late" in text
    assert "chenli_56789_text.html" in done.stdout and "stray_notes.pdf" in done.stdout
    kept = list((out / "files").rglob("homework2_affine_alee.pdf"))
    assert kept and kept[0].read_bytes() == PDF  # the zip's PDF, kept for the hand-graded items
    page = (out / "reports" / "leeanna_34567_6789014_homework2_affine_alee.html").read_text(encoding="utf-8")
    assert kept[0].as_uri() in page  # the student's page links the PDF a TA grades by hand
