"""What a student reads about the text of their file, through the real
``grade submit`` path:

* a syntax error is said once, as Python shows it (the line, the line as
  written, the caret under the place), while each item only says it was not
  graded and why in a few words, in the terminal, the result JSON and the page;
* the code set aside at import is named by line and by its code
  (``line 7: import torch``), never an empty list;
* a file with a PEP 263 coding line or a byte-order mark is read the way
  Python reads it, everywhere the grader reads it; one that is not valid in
  its declared encoding is graded with a sentence that says so.
"""

from __future__ import annotations

import html as html_text
import json
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_files import SUBMISSIONS
from grader import assignments
from grader.cli import main
from grader.grading import grade_submission
from grader.reporters import html

HW2 = assignments.get("hw2_affine")
HW6 = assignments.get("hw6_mnist")
PART_A = ("a.1", "a.2", "a.3", "a.4", "a.5", "a.6", "a.7")
BOM = b"\xef\xbb\xbf"
FILES = SUBMISSIONS / "text"
"""Files whose text is the point: syntax errors, top-level imports, other encodings."""


def python_shows(path: Path) -> tuple[str, str]:
    """The line and the caret under it, as Python itself prints the file's syntax error."""
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as exc:
        drawn = traceback.format_exception_only(type(exc), exc)
        return drawn[1].rstrip("\n"), drawn[2].rstrip("\n")
    raise AssertionError(f"{path} compiles")


def panel_text(output: str) -> list[str]:
    """The terminal's lines with a panel's border (and its one space of padding) taken off."""
    lines = []
    for line in output.splitlines():
        line = line.removeprefix("│ ").rstrip()
        lines.append(line.removesuffix("│").rstrip())
    return lines


def said(output: str) -> str:
    """The terminal's words, wrapped lines joined."""
    return " ".join(" ".join(panel_text(output)).split())


# -- a syntax error, once ----------------------------------------------------------------------
SYNTAX_ERRORS = [
    # fixture, the line, what the full message says, what each item says
    ("homework2_affine_missing_colon.py", 18, "SyntaxError: expected ':'", "not graded: the file has a syntax error (line 18)"),
    ("homework2_affine_unindented_body.py", 36, "IndentationError: expected an indented block after function definition on line 35",
     "not graded: the file has a syntax error (line 36)"),
    ("homework2_affine_python2_print.py", 56, "Python 2 syntax (a `print` statement)",
     "not graded: the file has Python 2 syntax (line 56)"),
]


@pytest.mark.parametrize("fixture, line, message, item_says", SYNTAX_ERRORS, ids=[s[0] for s in SYNTAX_ERRORS])
def test_a_syntax_error_is_shown_once_with_its_line_and_caret_and_each_item_only_names_it(
        tmp_path, fixture, line, message, item_says):
    path = tmp_path / "homework2_affine_jsmith.py"
    path.write_bytes((FILES / fixture).read_bytes())
    code, caret = python_shows(path)
    result_json = tmp_path / "result.json"
    result = CliRunner().invoke(main, ["submit", str(path), "--json", str(result_json)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output

    # The terminal: the line as written and the caret under it once, one after the other, and the message once.
    lines = panel_text(result.output)
    assert sum(code.strip() in text for text in lines) == 1, result.output
    assert sum(set(text.strip()) == {"^"} for text in lines) == 1, result.output
    at = next(i for i, text in enumerate(lines) if code.strip() in text)
    assert lines[at:at + 2] == [code, caret], (lines[at:at + 2], [code, caret])
    assert result.output.count(message) == 1, result.output
    assert f"line {line}: " in result.output

    # The result JSON: each item says it in a few words; the notes hold the whole message, once.
    report = json.loads(result_json.read_text(encoding="utf-8"))
    assert {test["output"] for test in report["tests"]} == {item_says}
    assert not any(test.get("hint") for test in report["tests"])
    notes = "\n".join(report["notes"])
    assert notes.count(f"{code}\n{caret}\n") == 1, notes
    assert notes.count(message) == 1, notes

    # The page: the items say the short text, the notes the line and caret once, in monospace.
    page = html.render(report, plotly_js="none")
    items = page[page.index('id="items"'):page.index('id="notes"')]
    assert html_text.escape(code.strip()) not in items and "^" not in items
    assert page.count(html_text.escape(code.strip())) == 1
    assert f"<code>{html_text.escape(code)}</code>\n<code>{html_text.escape(caret)}</code>" in page


# -- what was set aside, by line and code -----------------------------------------------------
SET_ASIDE = [
    # fixture, what the note lists (an import of torch that is not installed: nothing else to set aside)
    (FILES / "homework6_torch_import.py",
     ["\n  line 7: import torch (it raised ModuleNotFoundError: No module named 'torch')\n"]),
    (SUBMISSIONS / "hw6" / "homework6_script.py",
     ['\n  line 62: trainX = np.load(path + "mnist_train_images.npy").T (data loading)\n',
      "\n  line 67: plt.plot(w); plt.show() (plotting)\n",  # two statements on one line: one place
      '\n  line 68: np.save("weights.npy", w) (file writing)\n']),
]


@pytest.mark.parametrize("fixture, listed", SET_ASIDE, ids=[s[0].name for s in SET_ASIDE])
def test_the_set_aside_note_names_each_line_and_its_code(tmp_path, fixture, listed):
    path = tmp_path / fixture.name
    path.write_bytes(fixture.read_bytes())
    report = grade_submission(path, assignment=HW6, profile="quick", only=("a.1",))
    assert not report.internal_errors, report.internal_errors
    note = next(note for note in report.notes if note.startswith("Importing your file failed"))
    for place in listed:
        assert note.count(place) == 1, note
    assert " at ." not in note and "set aside:\n  line " in note, note
    assert report.score == 5  # pack and unpack graded as before


# -- the text in the encoding Python reads it in -----------------------------------------------
def test_a_latin1_file_with_a_coding_line_earns_full_marks(tmp_path):
    path = tmp_path / "homework2_affine_edupre.py"
    path.write_bytes((FILES / "homework2_affine_latin1_coding_line.py").read_bytes())
    assert b"coding: latin-1" in path.read_bytes() and "é".encode("latin-1") in path.read_bytes()
    report = grade_submission(path, assignment=HW2)
    assert report.score == report.max_score == 15, [(t.number, t.output) for t in report.tests] + list(report.notes)
    assert report.notes == ()


def _latin1_hidden_size(path: Path) -> None:
    path.write_bytes((FILES / "homework6_latin1_hidden_size.py").read_bytes())


def _hyper_neuron_with_bom(path: Path) -> None:
    path.write_bytes(BOM + (SUBMISSIONS / "hw6_wild" / "homework6_hyper_neuron.py").read_bytes())


READ_AS_PYTHON_DOES = [
    # how the file is saved, what the notes say from its text (the grader's reading and the child's)
    ("latin-1 coding line", _latin1_hidden_size,
     ["round-trip exactly with 50 hidden units (NEURONES_CACHÉS = 50; the file has no NUM_HIDDEN)",
      '\n  line 83: donnees = np.load("données_mnist.npz") (data loading)\n']),
    ("utf-8 byte-order mark", _hyper_neuron_with_bom,
     ["round-trip exactly with 50 hidden units (HYPER_NEURON = 50; the file has no NUM_HIDDEN)"]),
]


@pytest.mark.parametrize("saved, write, says", READ_AS_PYTHON_DOES, ids=[r[0] for r in READ_AS_PYTHON_DOES])
def test_a_file_is_read_in_the_encoding_python_reads_it_in(tmp_path, saved, write, says):
    path = tmp_path / "homework6_hlefevre.py"
    write(path)
    report = grade_submission(path, assignment=HW6, profile="quick", only=PART_A)
    assert not report.internal_errors, report.internal_errors
    assert report.score == 45, [(t.number, t.score, t.output) for t in report.tests] + list(report.notes)
    notes = "\n".join(report.notes)
    for words in says:
        assert words in notes, notes


UNDECODABLE = [
    # the file's bytes, what the student is told
    ("utf-8 declared, latin-1 written", "# -*- coding: utf-8 -*-\n# Résultats de la partie 2\nimport numpy as np\n"
     .encode("latin-1"), "its coding line (line 1) declares 'utf-8', but byte 27 (line 2) is not valid UTF-8"),
    ("ascii declared, utf-8 written", "#!/usr/bin/env python\n# coding: ascii\nNAME = 'Zoë'\n".encode("utf-8"),
     "its coding line (line 2) declares 'ascii', but byte 48 (line 3) is not valid ascii"),
    ("unknown encoding", b"# vim: set fileencoding=latin-9x :\nimport numpy as np\n",
     "its coding line (line 1) declares 'latin-9x', an encoding Python does not know"),
    ("byte-order mark and latin-1", BOM + b"# -*- coding: latin-1 -*-\nimport numpy as np\n",
     "the file starts with a UTF-8 byte-order mark but its coding line (line 1) declares 'latin-1'"),
]


@pytest.mark.parametrize("raw, says", [u[1:] for u in UNDECODABLE], ids=[u[0] for u in UNDECODABLE])
def test_a_file_not_valid_in_its_declared_encoding_is_graded_and_told_why(tmp_path, raw, says):
    path = tmp_path / "homework2_affine_jsmith.py"
    path.write_bytes(raw)
    result_json = tmp_path / "result.json"
    result = CliRunner().invoke(main, ["submit", str(path), "--json", str(result_json)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    report = json.loads(result_json.read_text(encoding="utf-8"))
    assert report["score"] == 0 and report["imported"] is False
    assert {test["output"] for test in report["tests"]} == {
        "not graded: the file could not be read as Python source (the notes say why)"}
    assert sum(says in note for note in report["notes"]) == 1, report["notes"]
    assert said(result.output).count(says) == 1, result.output
