"""The HTML page rendered from a result JSON, without a browser: what each
section holds, that student text can never become markup, and that older
results and machines without Plotly still get every table. The browser
tests (tests/integration/test_html_browser.py) open real pages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from grader.reporters import html
from grader.reporters.html import plots

HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'


def result(**figures) -> dict:
    return {
        "schema_version": 2, "assignment": "hw6_mnist", "title": "MNIST", "submission": "homework6_jsmith.py",
        "profile": "quick", "profile_description": "a subset", "isolation": "namespaces",
        "isolation_detail": "bubblewrap", "score": 50.5, "max_score": 80, "execution_time": 4.2,
        "tests": [{"name": "(a) gradCE: dW1", "number": "a.3", "score": 4, "max_score": 8, "status": "partial",
                   "output": "dW1 is n times too large " + HOSTILE, "visibility": "visible",
                   "hint": "divide by n", "mistakes": ["summed"]}],
        "manual": [{"name": "PDF screenshots", "max_score": 20}],
        "notes": ["fCE returns a tuple " + HOSTILE], "internal_errors": [], "figures": figures,
    }


SEARCH = {"function": "findBestHyperparameters", "trained": "train", "stopped": None, "chosen": 2,
          "how": "by the returned dict", "seconds": 3.0,
          "trials": [{"number": 1, "setting": {"lr": 0.001, "batch": 16, "act": "relu"},
                      "figures": {"validation CE": 0.5, "validation accuracy": 0.8}, "seconds": 1.0,
                      "problem": None, "completed": True},
                     {"number": 2, "setting": {"lr": 0.1, "batch": 64, "act": "tanh"},
                      "figures": {"validation CE": 0.2, "validation accuracy": 0.94}, "seconds": 2.0,
                      "problem": None, "completed": True},
                     {"number": 3, "setting": {"lr": 5.0, "batch": 64, "act": HOSTILE}, "figures": {},
                      "seconds": 0.5, "problem": "train raised ValueError", "completed": False}]}
TEST = {"model": "trial 2", "profile": "quick", "classes": ["0", "1"], "confusion": [[5, 1], [2, 7]],
        "figures": {"test CE": {"value": 0.21, "threshold": 0.25, "floor": 0.5, "lower_is_better": True},
                    "test accuracy": {"value": 0.93, "threshold": 0.92, "floor": 0.85, "lower_is_better": False}},
        "misclassified": [{"index": 3, "label": 1, "predicted": 0, "side": 2, "pixels": "AP8A/w=="}]}
RUNS = [{"name": "lr=0.1", "project": "hw2", "config": {"lr": 0.1},
         "rows": [{"epoch": 0, "val_loss": 0.9, "val_accuracy": 0.7}, {"epoch": 1, "val_loss": 0.6,
                                                                       "val_accuracy": 0.8}]}]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


def figures_of(page: str) -> dict:
    found = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no figures script"
    return json.loads(found.group(1))


def test_a_trained_homeworks_page_has_the_search_the_test_set_and_the_curves():
    page = html.render(result(search=SEARCH, test=TEST, runs=RUNS,
                              gradients={"dW1": {"credit": 0.5, "networks": 4, "right": 0, "mistakes": ["summed"],
                                                 "largest_error": 1.25}}))
    specs = figures_of(page)
    assert set(specs) == {"plot-search", "plot-test-0", "plot-test-1", "plot-confusion", "plot-misclassified",
                          "plot-curves-0", "plot-curves-1"}
    parcoords = specs["plot-search"]["data"][0]
    assert parcoords["type"] == "parcoords"
    dims = {d["label"]: d for d in parcoords["dimensions"]}
    assert dims["trial"]["values"] == [1, 2]  # the failed trial has no figures to draw
    assert dims["trial"]["constraintrange"] == [1.6, 2.4]  # the chosen trial highlighted
    assert "lr (log)" in dims and dims["act"]["ticktext"] == ["relu", "tanh"]
    assert page.count('class="trial') == 3 and page.count('class="trial chosen"') == 1
    assert specs["plot-confusion"]["data"][0]["z"] == [[5, 1], [2, 7]]
    assert specs["plot-misclassified"]["data"][0]["z"] == [[0, 255], [0, 255]]
    curves = specs["plot-curves-0"]["data"]
    assert [trace["y"] for trace in curves] == [[0.9, 0.6]]
    assert 'data-block="dW1"' in page and "1.25" in page and "partly right" in page
    assert "train raised ValueError" in page


def test_student_text_never_becomes_markup():
    search = json.loads(json.dumps(SEARCH))
    search["trials"][0]["setting"]["act"] = HOSTILE
    page = html.render(result(search=search, test=TEST))
    parsed = parse(page)
    assert not any(tag == "img" for tag, _ in parsed.tags)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert len(scripts) == 3  # plotly.js, the figures' JSON, the loader: nothing the student wrote
    assert [attrs.get("type") for attrs in scripts] == [None, "application/json", None]
    assert "alert" not in parsed.scripts[0][-2000:] and "alert" not in parsed.scripts[2]
    assert "&lt;/script&gt;&lt;script&gt;" in page
    # a value inside the figures' JSON cannot close its script element
    assert HOSTILE in figures_of(page)["plot-search"]["data"][0]["dimensions"][3]["ticktext"]


def test_a_result_without_figures_still_has_every_table():
    old = result()
    del old["figures"]
    old["schema_version"] = 1
    page = html.render(old)
    for piece in ('id="summary"', 'id="items"', 'id="notes"', "50.5 / 80", "+ 20 points graded by hand",
                  "divide by n", ">summed<", "namespaces"):
        assert piece in page
    assert "<script" not in page  # nothing to draw, no plotly.js


def test_the_page_inlines_plotly_or_points_beside_it_or_has_none(tmp_path):
    pytest.importorskip("plotly")
    inline = html.render(result(search=SEARCH))
    assert len(inline) > 1_000_000 and 'src="plotly.min.js"' not in inline
    beside = html.write(result(search=SEARCH), tmp_path / "r.html", plotly_js="directory")
    assert 'src="plotly.min.js"' in beside.read_text() and (tmp_path / "plotly.min.js").stat().st_size > 1_000_000
    bare = html.render(result(search=SEARCH), plotly_js="none")
    assert "<script" not in bare and 'id="trials"' in bare


def test_without_plotly_the_page_says_how_to_get_the_plots(monkeypatch):
    monkeypatch.setattr(plots, "_have_plotly", lambda: False)
    page = html.render(result(search=SEARCH, test=TEST))
    assert 'id="no-plots"' in page and "pip install &#x27;grade[report]&#x27;" in page
    assert 'id="trials"' in page and "<script" not in page


def test_load_reads_our_json_and_gradescope_results(tmp_path):
    ours = tmp_path / "r.json"
    ours.write_text(json.dumps(result(search=SEARCH)))
    assert html.load(ours)["figures"]["search"]["chosen"] == 2
    gradescope = tmp_path / "results.json"
    gradescope.write_text(json.dumps({"score": 50.5, "tests": [], "extra_data": {"result": result(test=TEST)}}))
    assert html.load(gradescope)["figures"]["test"]["model"] == "trial 2"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="not a grade result"):
        html.load(other)


def test_the_class_page_links_every_submission_and_counts_mistakes():
    summary = {"assignment": "hw6_mnist", "submissions": 2, "students": 2, "mean": 40.0, "median": 40.0,
               "max_score": 80, "profile": "quick", "histogram": [[0, 40, 1], [40, 80, 1]],
               "items": [{"id": "a.3", "name": "gradCE: dW1", "points": 8, "pass_rate": 0.5, "mean": 6.0}],
               "mistakes": [["summed", 1, "a.3: dW1 is n times too large"]], "failing": []}
    students = [{"file": "homework6_a.py", "students": ["a"], "score": 80, "report": "reports/homework6_a.html"},
                {"file": "homework6_b.py", "students": ["b"], "score": 0, "report": "reports/homework6_b.html"}]
    page = html.summary_page(summary, students, script_src="reports/plotly.min.js")
    assert page.count('<tr class="student">') == 2 and 'href="reports/homework6_b.html"' in page
    assert ">summed<" in page and 'src="reports/plotly.min.js"' in page
    specs = figures_of(page)
    assert specs["plot-histogram"]["data"][0]["y"] == [1, 1]
    assert specs["plot-pass-rates"]["data"][0]["x"] == [50.0]
