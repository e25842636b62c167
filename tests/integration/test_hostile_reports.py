"""A submission cannot stop the batch's reports: what its process sent (its
wandb runs, its trials) is data the reports read with care, and a page that
fails anyway is an error page, said on the summary page.

The hostile file is hw2_softmax tracked with wandb, as a student writes it,
plus a few lines that replace what the grader's offline wandb stand-in
recorded (its ``_runs``) with malformed runs; it is graded with an honest
file by a real ``grade batch`` through the real sandbox. The reporter is also
fed results with every field turned to the wrong type, in process, and a
page that raises while it is drawn.
"""

from __future__ import annotations

import copy
import html as markup
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from course_files import REPO, SUBMISSIONS
from grader import assignments
from grader.cli import main
from grader.reporters import html
from grader.reporters.html import page as html_page
from grader.reporters.html.values import _n

SOFTMAX = assignments.get("hw2_softmax")
HONEST = (SUBMISSIONS / "hw2_softmax" / "homework2_softmax_wandb.py").read_text()
FORGED = '''
    # wandb here is the grader's stand-in: it keeps my runs in wandb._runs. Give it runs of my own.
    wandb._runs[:] = [
        {"name": ["the", "best", "run"], "project": {"mine": True}, "config": "learning_rate=0.1",
         "rows": 5, "read": ["learning_rate"], "closed_by": "wandb.finish"},
        {"name": "lr=0.05", "project": PROJECT, "config": {"learning_rate": 0.05},
         "rows": ["val_loss=0.3", {"epoch": [0], "val_loss": 0.4, "val_acc": "high"}], "closed_by": "wandb.finish"},
        "not even a run",
    ]
    wandb.take_records = lambda: list(wandb._runs)
    return best
'''
ROWS_UNREADABLE = "run 1: its logged rows could not be read (5, not a list)"


def hostile_source() -> str:
    end = "                wandb.finish()\n    return best\n"
    assert HONEST.count(end) == 1
    return HONEST.replace(end, "                wandb.finish()\n" + FORGED)


def run_batch(folder: Path, out: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """``grade batch`` in a process of its own, on this checkout's grader (run from its folder)."""
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", str(folder), "--assignment", "hw2_softmax", "--out", str(out),
                           "--profile", "quick", "--data-dir", str(data_dir), "--jobs", "2"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)


def test_forged_wandb_runs_are_shown_as_malformed_and_the_batch_writes_every_report(tmp_path, fashion_data_dir):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "homework2_softmax_jsmith.py").write_text(HONEST)
    (folder / "homework2_softmax_mallory.py").write_text(hostile_source())
    out = tmp_path / "out"
    done = run_batch(folder, out, fashion_data_dir)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]

    summary_page = (out / "summary.html").read_text()
    assert markup.escape(f"homework2_softmax_mallory.py: {ROWS_UNREADABLE}") in summary_page
    summary = json.loads((out / "summary.json").read_text())
    named = {file for file, _ in summary["malformed"]}
    assert named == {"homework2_softmax_mallory.py"} and summary["reports_not_drawn"] == []
    assert ROWS_UNREADABLE in (out / "summary.md").read_text()

    # the boundary kept only well-formed parts, and marked the rest
    forged = json.loads((out / "results" / "homework2_softmax_mallory.json").read_text())
    runs = forged["figures"]["runs"]
    assert len(runs) == 3 and runs[0]["rows"] == [] and ROWS_UNREADABLE in runs[0]["malformed"]
    assert "run 3 could not be read ('not even a run', not a run record)" in runs[2]["malformed"]
    # and the tracking items grade what is readable: forged records are no grader error
    assert forged["internal_errors"] == [], forged["internal_errors"]
    tracking = {t["number"]: t for t in forged["tests"] if t["number"] in ("3.A", "3.B")}
    assert len(tracking) == 2 and all(t["status"] != "error" for t in tracking.values()), tracking
    mallory = (out / "reports" / "homework2_softmax_mallory.html").read_text()
    assert 'id="malformed"' in mallory and markup.escape(ROWS_UNREADABLE) in mallory
    assert mallory.count('<tr class="item"') == len(SOFTMAX.items)
    assert f'id="score">{_n(forged["score"])} / 41<' in mallory

    # the honest student's page is whole
    honest = json.loads((out / "results" / "homework2_softmax_jsmith.json").read_text())
    assert all("malformed" not in run for run in honest["figures"]["runs"])
    page = (out / "reports" / "homework2_softmax_jsmith.html").read_text()
    for section in ("summary", "items", "search", "runs", "test", "notes"):
        assert f'<section id="{section}">' in page, section
    assert page.count('<tr class="item"') == len(SOFTMAX.items)
    assert page.count('<tr class="run">') == len(honest["figures"]["runs"]) == 11
    assert "malformed" not in page and "could not be read" not in page

    again = run_batch(folder, out, fashion_data_dir)  # resumed: everything is stored
    assert again.returncode == 0, again.stderr[-3000:]
    resumed = json.loads((out / "summary.json").read_text())
    assert resumed["graded_now"] == 0 and resumed["malformed"] == summary["malformed"]


# -- the reporter, fed wrong types ---------------------------------------------------------------
GOOD: dict[str, Any] = {
    "schema_version": 2, "assignment": "hw6_mnist", "title": "MNIST", "submission": "homework6_jsmith.py",
    "profile": "quick", "isolation": "namespaces", "isolation_detail": "bubblewrap", "score": 50.5,
    "max_score": 80, "execution_time": 4.2,
    "tests": [{"name": "(a) gradCE: dW1", "number": "a.3", "score": 4, "max_score": 8, "status": "partial",
               "output": "dW1 is n times too large", "hint": "divide by n", "mistakes": ["summed"],
               "adapted": ["labels as class numbers"]}],
    "manual": [{"name": "PDF screenshots", "max_score": 20}],
    "notes": ["fCE returns a tuple"], "internal_errors": [],
    "handed": {"kind": "zip", "graded": "homework6.py", "companions": [{"name": "hw6.pdf", "size": 1200,
                                                                         "kept": "/tmp/hw6.pdf"}]},
    "figures": {
        "search": {"function": "findBestHyperparameters", "trained": "train", "stopped": None, "chosen": 2,
                   "how": "by the returned dict", "seconds": 3.0,
                   "trials": [{"number": 1, "setting": {"lr": 0.001, "act": "relu"},
                               "figures": {"validation CE": 0.5, "validation accuracy": 0.8}, "seconds": 1.0,
                               "problem": None, "completed": True},
                              {"number": 2, "setting": {"lr": 0.1, "act": "tanh"},
                               "figures": {"validation CE": 0.2, "validation accuracy": 0.94}, "seconds": 2.0,
                               "problem": None, "completed": True},
                              {"number": 3, "setting": {"lr": 5.0, "act": "relu"}, "figures": {},
                               "seconds": 0.5, "problem": "train raised ValueError", "completed": False}]},
        "runs": [{"name": "lr=0.1", "project": "hw2", "config": {"lr": 0.1},
                  "rows": [{"epoch": 0, "val_loss": 0.9, "val_accuracy": 0.7},
                           {"epoch": 1, "val_loss": 0.6, "val_accuracy": 0.8}]},
                 {"name": None, "project": "hw2", "config": {"lr": 0.01},
                  "rows": [{"_step": 0, "val_loss": 1.9}]}],
        "test": {"model": "trial 2", "profile": "quick", "classes": ["0", "1"], "confusion": [[5, 1], [2, 7]],
                 "figures": {"test CE": {"value": 0.21, "threshold": 0.25, "floor": 0.5, "lower_is_better": True},
                             "test accuracy": {"value": 0.93, "threshold": 0.92, "floor": 0.85}},
                 "misclassified": [{"index": 3, "label": 1, "predicted": 0, "side": 2, "pixels": "AP8A/w=="}]},
        "gradients": {"dW1": {"credit": 0.5, "networks": 4, "right": 0, "mistakes": ["summed"],
                              "largest_error": 1.25}},
    },
}
WRONG = [5, -1, 10 ** 400, float("nan"), float("-inf"), "text", True, None, [1, [2]], [{"a": 1}],
         {"k": {"k": [None]}}]


def paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a result: each key of each dict, each index of each list."""
    found = [path] if path else []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in children:
        found += paths(child, path + (key,))
    return found


def broken(path: tuple[Any, ...], wrong: Any) -> dict[str, Any]:
    result = copy.deepcopy(GOOD)
    place = result
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = wrong
    return result


def checked(result: dict[str, Any]) -> str:
    """The page, after checking it is whole: its figures strict JSON (no NaN), a spec per plot."""
    page = html.render(result, plotly_js="directory")
    divs = set(re.findall(r'<div class="plot" id="([^"]+)"', page))
    found = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page, re.S)
    specs = json.loads(found.group(1), parse_constant=lambda c: pytest.fail(f"{c} in the figures")) if found else {}
    assert set(specs) == divs
    assert page.rstrip().endswith("</html>")
    return page


def test_the_page_is_drawn_with_any_field_of_the_result_of_the_wrong_type():
    assert "malformed" not in checked(GOOD)
    places = paths(GOOD)
    assert len(places) > 80
    for path in places:
        for wrong in WRONG:
            try:
                checked(broken(path, wrong))
            except Exception as exc:
                pytest.fail(f"{path} = {wrong!r:.40}: {type(exc).__name__}: {exc}")


CHILD_DATA = [
    # where, the wrong value, what the page says
    (("figures", "runs", 0, "rows"), 5, ROWS_UNREADABLE),
    (("figures", "runs", 0, "config"), "lr=0.1", "run 1: its config could not be read ('lr=0.1', not a dict)"),
    (("figures", "runs", 0, "name"), ["a", "b"], "run 1: its name could not be read (['a', 'b'], not text)"),
    (("figures", "runs", 1, "project"), {"p": 1}, "run 2: its project could not be read ({'p': 1}, not text)"),
    (("figures", "runs", 0, "rows", 1), "row", "run 1: 1 of its 2 logged rows could not be read"),
    (("figures", "runs", 1), "run", "run 2 could not be read ('run', not a run record)"),
    (("figures", "runs"), 5, "the logged runs could not be read (5, not a list)"),
    (("figures", "search", "trials"), "many", "the search's trials could not be read ('many', not a list)"),
    (("figures", "search", "trials", 0), 7, "trial 1 could not be read (7, not a trial record)"),
    (("figures", "search", "trials", 1, "setting"), "lr=0.1",
     "trial 2: its setting could not be read ('lr=0.1', not a dict)"),
    (("figures", "search", "trials", 1, "figures"), "0.94", "trial 2: its figures could not be read ('0.94', "),
    (("figures", "search", "trials", 1, "seconds"), "fast",
     "trial 2: its time could not be read ('fast', not a number of seconds)"),
    (("figures", "search", "trials", 2, "problem"), {"x": 1}, "trial 3: what went wrong could not be read"),
    (("figures", "search", "chosen"), "2", "the search's chosen trial could not be read ('2', not a trial number)"),
    (("figures", "search"), [1], "the search could not be read ([1], not a search record)"),
    (("figures", "test", "figures"), "good", "the test set's figures could not be read ('good', not a dict)"),
    (("figures", "test", "confusion"), "matrix", "the confusion matrix could not be read"),
    (("figures", "test", "misclassified", 0, "pixels"), 5, "misclassified image 1 could not be read"),
    (("figures", "gradients"), ["dW1"], "the gradient blocks could not be read (['dW1'], not a dict)"),
    (("figures",), "figures", "the figures could not be read ('figures', not a dict)"),
    (("tests", 0), "item", "item 1 could not be read ('item', not an item record)"),
    (("notes",), "a note", "the notes could not be read ('a note', not a list)"),
]


@pytest.mark.parametrize("path, wrong, said", CHILD_DATA, ids=["/".join(map(str, c[0])) for c in CHILD_DATA])
def test_a_malformed_part_is_left_out_and_said_and_the_rest_is_drawn(path, wrong, said):
    page = checked(broken(path, wrong))
    assert markup.escape(said) in page
    assert 'id="malformed"' in page and "this part could not be read" not in page  # read with care, not caught
    assert '<div class="score" id="score">50.5 / 80</div>' in page
    if path[:2] != ("tests", 0):
        assert '<tr class="item" data-status="partial"' in page
    if path[:2] == ("figures", "runs") and len(path) > 2:
        assert '<section id="runs">' in page and page.count('<tr class="run') == 2
    if path[:3] == ("figures", "search", "trials") and len(path) > 3:
        assert page.count('<tr class="trial') == 3


# -- a page that fails anyway ------------------------------------------------------------------------
def failing_for(name: str):
    """``grader.reporters.html.page._render`` made to raise for the result of ``name`` (a grader bug drawing that page)."""
    original = getattr(html_page, "_render", None)

    def render(result, plotly_js):
        if result.get("submission") == name:
            raise RuntimeError("the page broke")
        return original(result, plotly_js)

    return render


def test_a_page_that_raises_is_an_error_page_and_the_summary_says_so(tmp_path, monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    reference = (REPO / "reference" / "hw2_affine" / "solution.py").read_text()
    (folder / "homework2_affine_alice.py").write_text(reference)
    (folder / "homework2_affine_bob.py").write_text(reference + "\n# bob's own\n")
    monkeypatch.setattr(html_page, "_render", failing_for("homework2_affine_bob.py"), raising=False)
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                                     "--jobs", "2"], env={"COLUMNS": "160"})
    assert done.exit_code == 0, done.output[-3000:]
    assert "report not drawn" in done.output and "homework2_affine_bob.py" in done.output

    bob = (out / "reports" / "homework2_affine_bob.html").read_text()
    result = json.loads((out / "results" / "homework2_affine_bob.json").read_text())
    assert "The report of homework2_affine_bob.py could not be drawn" in bob
    assert f'<div class="score" id="score">{result["score"]:g} / {result["max_score"]:g}</div>' in bob
    assert "a problem of the grader's report for this student, not of their grade" in bob
    assert "RuntimeError: the page broke" in bob
    alice = (out / "reports" / "homework2_affine_alice.html").read_text()
    assert '<section id="items">' in alice and "could not be drawn" not in alice

    summary = json.loads((out / "summary.json").read_text())
    assert summary["reports_not_drawn"] == [["homework2_affine_bob.py", "RuntimeError: the page broke"]]
    page = (out / "summary.html").read_text()
    assert '<li class="not-drawn">homework2_affine_bob.py: RuntimeError: the page broke</li>' in page
    assert "its page could not be drawn: an error page instead" in page
    assert "* homework2_affine_bob.py: RuntimeError: the page broke" in (out / "summary.md").read_text()


def test_submit_writes_an_error_page_and_the_result_when_its_report_raises(tmp_path, monkeypatch):
    path = tmp_path / "homework2_affine_carol.py"
    path.write_text((REPO / "reference" / "hw2_affine" / "solution.py").read_text())
    monkeypatch.setattr(html_page, "_render", failing_for("homework2_affine_carol.py"), raising=False)
    done = CliRunner().invoke(main, ["submit", str(path), "--json", str(tmp_path / "r.json"),
                                     "--report", str(tmp_path / "r.html")], env={"COLUMNS": "160"})
    assert done.exit_code == 0, done.output[-3000:]
    assert "The report page could not be drawn (RuntimeError: the page broke)" in done.output
    assert "not of the grade above, which stands" in done.output
    result = json.loads((tmp_path / "r.json").read_text())
    page = (tmp_path / "r.html").read_text()
    assert "could not be drawn" in page and f'id="score">{result["score"]:g} / {result["max_score"]:g}<' in page


def test_grade_report_of_a_saved_result_with_forged_runs_names_what_it_left_out(tmp_path):
    """``grade report`` reads a saved result JSON (a file anyone can edit): malformed runs are left
    out and counted, and the page still comes out."""
    saved = tmp_path / "result.json"
    saved.write_text(json.dumps({**GOOD, "figures": {**GOOD.get("figures", {}), "runs": [{"name": "r", "rows": 5}]}}))
    done = CliRunner().invoke(main, ["report", str(saved), "--out", str(tmp_path / "page.html"), "--plotly", "none"])
    assert done.exit_code == 0, done.output
    assert "malformed part(s) left out" in done.output, done.output
    assert markup.escape("run 1: its logged rows could not be read (5, not a list)") in \
        (tmp_path / "page.html").read_text()
