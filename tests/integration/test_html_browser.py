"""The HTML reports in a real browser: headless Chromium (Debian's
``chromium``, which .ci/run installs) driven by Playwright. Each page comes
from real grading; it must open offline (every request outside the page's
folder is refused and counted), log no console error, and hold a plot per
expected figure, a row per trial and the chosen trial marked. Screenshots
land in each test's tmp folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS

pytestmark = pytest.mark.slow
playwright = pytest.importorskip("playwright.sync_api", reason="the test extra's playwright is not installed")
pytest.importorskip("plotly", reason="the report extra (plotly) is not installed")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium on this machine: apt-get install chromium (.ci/run does)")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


class Opened:
    def __init__(self, page, errors: list[str], outside: list[str]) -> None:
        self.page, self.errors, self.outside = page, errors, outside

    def js(self, expression: str):
        return self.page.evaluate(expression)

    def count(self, selector: str) -> int:
        return self.page.locator(selector).count()


@pytest.fixture
def open_page(browser, tmp_path):
    pages = []

    def open_(path: Path, shot: str) -> Opened:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        page = context.new_page()
        errors: list[str] = []
        outside: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.resolve().as_uri())
        page.wait_for_function("() => [...document.querySelectorAll('.plot')].every(d => d.querySelector('.main-svg'))",
                               timeout=20_000)
        page.screenshot(path=str(tmp_path / f"{shot}.png"), full_page=True)
        pages.append(context)
        return Opened(page, errors, outside)

    yield open_
    for context in pages:
        context.close()


def grade_cli(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return done


def plotted(opened: Opened) -> dict[str, str]:
    """Plot div id -> its first trace's type, as Plotly drew them."""
    return opened.js("Object.fromEntries([...document.querySelectorAll('.plot')].map("
                     "d => [d.id, d.data && d.data[0] ? d.data[0].type : null]))")


def test_the_hw6_reference_page_draws_its_search_and_the_test_set(open_page, mnist_data_dir, as_submission, tmp_path):
    path = as_submission(REPO / "reference" / "hw6_mnist" / "solution.py", "homework6_ref.py")
    grade_cli("submit", str(path), "--profile", "quick", "--data-dir", str(mnist_data_dir),
              "--json", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.html"))
    result = json.loads((tmp_path / "r.json").read_text())
    trials = result["figures"]["search"]["trials"]
    chosen = result["figures"]["search"]["chosen"]
    opened = open_page(tmp_path / "r.html", "hw6_reference")
    assert opened.errors == [] and opened.outside == []
    assert plotted(opened) == {"plot-search": "parcoords", "plot-test-0": "indicator", "plot-test-1": "indicator",
                               "plot-confusion": "heatmap", "plot-misclassified": "heatmap"}
    # one line per trial in the parallel coordinates, and one table row per trial
    assert opened.js("document.getElementById('plot-search').data[0].dimensions[0].values.length") == len(trials)
    assert opened.count("tr.trial") == len(trials) == 10
    assert opened.count("tr.trial.chosen") == 1
    assert opened.js("document.querySelector('tr.trial.chosen').dataset.trial") == str(chosen)
    assert opened.js("document.getElementById('plot-search').data[0].dimensions[0].constraintrange") == \
        [chosen - 0.4, chosen + 0.4]
    assert opened.count("tr.item") == len(result["tests"]) and opened.count("tr.item[data-status=passed]") == 14
    confusion = opened.js("document.getElementById('plot-confusion').data[0].z")
    assert sum(map(sum, confusion)) == 10_000  # the whole test set
    assert opened.js("document.getElementById('score').textContent") == "80 / 80"


def test_a_hw6_mutant_page_names_its_wrong_blocks(open_page, mnist_data_dir, as_submission, tmp_path):
    path = as_submission(SUBMISSIONS / "hw6" / "homework6_summed.py", "homework6_summed.py")
    grade_cli("submit", str(path), "--profile", "quick", "--data-dir", str(mnist_data_dir),
              "--json", str(tmp_path / "r.json"))
    # a TA renders the saved result later
    grade_cli("report", str(tmp_path / "r.json"), "--out", str(tmp_path / "later.html"))
    opened = open_page(tmp_path / "later.html", "hw6_summed")
    assert opened.errors == [] and opened.outside == []
    blocks = opened.js("Object.fromEntries([...document.querySelectorAll('tr.block')].map("
                       "r => [r.dataset.block, r.cells[1].textContent + '|' + r.cells[3].textContent]))")
    assert blocks == {"dW1": "partly right|summed", "db1": "right|", "dW2": "partly right|summed", "db2": "right|"}
    assert opened.count("tr.item[data-status=partial]") >= 2
    assert "n times too large" in opened.js("document.getElementById('items').textContent")


def test_a_softmax_page_draws_the_logged_wandb_runs(open_page, fashion_data_dir, as_submission, tmp_path):
    path = as_submission(SUBMISSIONS / "hw2_softmax" / "homework2_softmax_wandb.py", "homework2_softmax_jsmith.py")
    grade_cli("submit", str(path), "--profile", "quick", "--data-dir", str(fashion_data_dir),
              "--json", str(tmp_path / "r.json"), "--report", str(tmp_path / "r.html"))
    runs = json.loads((tmp_path / "r.json").read_text())["figures"]["runs"]
    opened = open_page(tmp_path / "r.html", "hw2_softmax_wandb")
    assert opened.errors == [] and opened.outside == []
    kinds = plotted(opened)
    curves = [name for name in kinds if name.startswith("plot-curves")]
    assert curves and all(kinds[name] == "scatter" for name in curves)
    # one learning curve per run that logged rows, on every curve plot
    logged = sum(1 for run in runs if run["rows"])
    for name in curves:
        assert opened.js(f"document.getElementById('{name}').data.length") == logged >= 9
    assert opened.count("tr.run") == len(runs)
    assert kinds["plot-search"] == "parcoords" and kinds["plot-confusion"] == "heatmap"
    assert "Ankle boot" in json.dumps(opened.js("document.getElementById('plot-confusion').data[0].x"))


def test_a_batch_writes_a_class_page_linking_each_students_page(open_page, mnist_data_dir, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(REPO / "reference" / "hw6_mnist" / "solution.py", folder / "homework6_alice.py")
    shutil.copyfile(SUBMISSIONS / "hw6" / "homework6_summed.py", folder / "homework6_bob.py")
    shutil.copyfile(REPO / "assignments" / "hw6_mnist" / "homework6.py", folder / "homework6_carol.py")
    out = tmp_path / "out"
    grade_cli("batch", str(folder), "--assignment", "hw6_mnist", "--out", str(out), "--profile", "quick",
              "--data-dir", str(mnist_data_dir), "--jobs", "2")
    opened = open_page(out / "summary.html", "batch_summary")
    assert opened.errors == [] and opened.outside == []
    assert plotted(opened) == {"plot-histogram": "bar", "plot-pass-rates": "bar"}
    assert sum(opened.js("document.getElementById('plot-histogram').data[0].y")) == 3
    links = opened.js("[...document.querySelectorAll('tr.student a')].map(a => a.getAttribute('href'))")
    assert sorted(links) == [f"reports/homework6_{name}.html" for name in ("alice", "bob", "carol")]
    assert opened.js("[...document.querySelectorAll('tr.mistake .chip')].map(c => c.textContent)")[:1] == ["summed"]
    student = open_page(out / "reports" / "homework6_bob.html", "batch_bob")
    assert student.errors == [] and student.outside == []
    assert "plot-search" in plotted(student)
    assert (out / "reports" / "plotly.min.js").is_file()
    assert (out / "reports" / "homework6_bob.html").stat().st_size < 200_000  # plotly.js shared, not inlined
