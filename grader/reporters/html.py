"""A result as one HTML page a student would rather look at: the score, the
per-item table with feedback and hints, the notes, and for homeworks that
train, the search drawn (a row per trial and an interactive parallel-
coordinates plot with the chosen trial highlighted), the learning curves the
submission logged, the chosen model on the test set (its figures against the
thresholds, a confusion matrix, misclassified images) and the gradient blocks.

The page is rendered from the result JSON alone (``grade submit --report`` and
``grade report RESULT.json`` give the same page). Plots use Plotly, the
optional ``report`` extra (``pip install 'grade[report]'``): its parallel
coordinates brush on every axis, as the W&B plot the course asks for does, and
its JavaScript works offline. Without it the page keeps every table and says
how to get the plots.

A result is data, partly from the submission's own process (its wandb runs,
its trials), which student code can forge, and partly from older graders: a
part of the wrong type is left out and said on the page as malformed, and the
rest is drawn. ``draw`` writes an error page in place of a page that fails
anyway, and says so, so one student's page never stops a batch.
"""

from __future__ import annotations

import base64
import html
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping, Sequence, TypeGuard

from grader.reporters import files

PlotlyJs = Literal["inline", "directory", "none"]
"""Where the page finds plotly.js: inlined (a self-contained page, about
4.8 MB), ``plotly.min.js`` beside the page (many pages in one folder share
it: batch reports), or nowhere (tables only)."""
PLOTLY_FILE = "plotly.min.js"
INSTALL = "pip install 'grade[report]'"

_STATUS = {"passed": "#1a7f37", "partial": "#9a6700", "failed": "#cf222e", "error": "#a40e26", "skipped": "#6e7781"}
_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
main{max-width:1180px;margin:0 auto;padding:24px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin:16px 0}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 12px}
.sub{color:#57606a}.score{font-size:34px;font-weight:700}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eaeef2;padding:6px 8px;text-align:left;
vertical-align:top}th{background:#f6f8fa;font-weight:600}td.num{text-align:right;white-space:nowrap}
.status{font-weight:600;white-space:nowrap}.feedback{white-space:pre-wrap}.hint{color:#0969da;margin-top:4px}
.chip{display:inline-block;background:#fff8c5;border:1px solid #d4a72c;border-radius:10px;padding:0 8px;
margin:2px 4px 0 0;font-size:12px}.adapted{background:#ddf4ff;border-color:#54aeff}
tr.chosen td{background:#dafbe1;font-weight:600}.warn{color:#9a6700}.plot{width:100%}
.note{margin:4px 0;white-space:pre-wrap}.note code{font:14px ui-monospace,SFMono-Regular,Menlo,monospace}
.grid{display:flex;flex-wrap:wrap;gap:12px}
"""


@dataclass(frozen=True)
class Drawn:
    """A page ``draw`` wrote: where, what on it could not be read, and whether it is an error page."""

    path: Path
    malformed: tuple[str, ...] = ()
    """Parts of the result left out as malformed (the page says each)."""
    failed: str | None = None
    """Why the page could not be drawn (an error page stands in its place), or None."""


def render(result: Mapping[str, Any], *, plotly_js: PlotlyJs = "inline") -> str:
    """The page for a result JSON (schema 1 or 2: a schema-1 result has no
    figures, so the page holds the tables only)."""
    return _render(result, plotly_js)[0]


def _render(result: Mapping[str, Any], plotly_js: PlotlyJs) -> tuple[str, list[str]]:
    """The page, and the parts of the result it left out as malformed."""
    plots = _Plots(enabled=plotly_js != "none")
    malformed: list[str] = []
    figures = _mapping(result.get("figures"), "the figures", malformed)

    def section(name: str, title: str, draw: Callable[[], str]) -> str:
        return _guarded(name, title, draw, plots, malformed)

    body = [section("summary", "The score", lambda: _header(result)),
            section("items", "Items", lambda: _items(result, malformed))]
    if figures.get("search"):
        body.append(section("search", "Your search", lambda: _search(figures["search"], plots, malformed)))
    if figures.get("runs"):
        body.append(section("runs", "Your experiment tracking",
                            lambda: _runs(figures["runs"], figures.get("search"), plots, malformed)))
    if figures.get("test"):
        body.append(section("test", "The chosen model on the test set",
                            lambda: _test(figures["test"], plots, malformed)))
    if figures.get("gradients"):
        body.append(section("gradients", "Gradient blocks", lambda: _gradients(figures["gradients"], malformed)))
    body.append(section("notes", "Notes", lambda: _notes(result, malformed)))
    if malformed:
        listed = "".join(f"<li>{_e(m)}</li>" for m in malformed)
        body.insert(1, '<section class="warn" id="malformed"><h2>Parts of this result could not be read</h2>'
                       "<p>They are malformed (what the submission's process sent, which its code can forge, or a "
                       "result written by an older grader): each is left out where it would appear, and the rest "
                       f"is drawn.</p><ul>{listed}</ul></section>")
    if plots.missing:
        body.insert(1, f'<section class="warn" id="no-plots">The plots need Plotly: {_e(INSTALL)}, then render '
                       f'this page again (grade report RESULT.json --out PAGE.html).</section>')
    head = ""
    if plots.used and plotly_js == "inline":
        head = f"<script>{plots.javascript()}</script>"
    elif plots.used and plotly_js == "directory":
        head = f'<script src="{PLOTLY_FILE}"></script>'
    title = f"{result.get('submission', '')} - {result.get('title') or result.get('assignment', '')}"
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{_e(title)}</title><style>{_STYLE}</style>'
            f'{head}</head><body><main>{"".join(body)}</main>{plots.scripts()}</body></html>\n'), malformed


def _guarded(name: str, title: str, draw: Callable[[], str], plots: _Plots, malformed: list[str]) -> str:
    """A section as ``draw`` draws it; if what it reads is malformed past what it checks, a section that
    says so instead (its plots dropped), and the rest of the page is drawn."""
    kept = len(plots.figures)
    try:
        return draw()
    except Exception as exc:  # the page says it, and the summary of a batch lists it
        del plots.figures[kept:]
        said = f"{title}: this part could not be read (malformed: {type(exc).__name__}: {_shown_text(exc, 200)})"
        malformed.append(said)
        return (f'<section id="{_e(name)}" class="malformed"><h2>{_e(title)}</h2><p class="warn">{_e(said)}</p>'
                '</section>')


def write(result: Mapping[str, Any], path: Path, *, plotly_js: PlotlyJs = "inline") -> Path:
    """Write the page atomically (and, in ``directory`` mode, plotly.min.js beside it once)."""
    return _write(render(result, plotly_js=plotly_js), path, plotly_js)


def draw(result: Mapping[str, Any], path: Path, *, plotly_js: PlotlyJs = "inline") -> Drawn:
    """Write the page as ``write`` does, and say what on it could not be read; if drawing it fails
    anyway (a grader bug, or a result malformed past what the sections check), write an error page in
    its place (what went wrong, the score) and say why. Writing the file may still raise ``OSError``."""
    try:
        page, malformed = _render(result, plotly_js)
    except Exception as exc:  # one student's page must not stop a batch: the error page and the summary say it
        failed = f"{type(exc).__name__}: {_shown_text(exc, 300)}"
        return Drawn(_write(error_page(result, failed), path, "none"), failed=failed)
    return Drawn(_write(page, path, plotly_js), tuple(malformed))


def error_page(result: Any, failed: str) -> str:
    """The page in place of one that could not be drawn: what went wrong, that it is a problem of the
    grader's report for this student (not of the grade), and the score the result holds."""
    try:
        def get(key: str) -> Any:
            return result.get(key) if isinstance(result, Mapping) else None

        tests = [t for t in get("tests") or [] if isinstance(t, Mapping)] if isinstance(get("tests"), list) else []
        rows = "".join(f'<tr class="item"><td>{_e(t.get("number"))}</td><td>{_e(t.get("name"))}</td>'
                       f'<td class="num">{_n(t.get("score"))}/{_n(t.get("max_score"))}</td>'
                       f'<td class="status">{_e(t.get("status"))}</td></tr>' for t in tests)
        submission = _e(get("submission") or "this submission")
        body = (f'<section id="error-page"><h1>The report of {submission} could not be drawn</h1>'
                f'<div class="score" id="score">{_n(get("score"))} / {_n(get("max_score"))}</div>'
                f"<p>This is a problem of the grader's report for this student, not of their grade: the score above "
                f"and every item's points stand, and the result JSON holds them in full. Please report it to the "
                f"course staff; once it is fixed, <code>grade report RESULT.json --out PAGE.html</code> draws the "
                f'page again.</p><p>What went wrong: <code id="failed">{_e(failed)}</code></p></section>'
                + (f'<section id="items"><h2>Items</h2><table><thead><tr><th>#</th><th>item</th><th>points</th>'
                   f'<th>status</th></tr></thead><tbody>{rows}</tbody></table></section>' if rows else ""))
    except Exception:  # a result past reading at all: the page still says what happened
        body = ('<section id="error-page"><h1>The report could not be drawn</h1><p>This is a problem of the '
                "grader's report for this student, not of their grade: the result JSON holds the grade.</p>"
                f'<p>What went wrong: <code id="failed">{_e(failed)}</code></p></section>')
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>The report could not be drawn'
            f'</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>\n')


def _write(page: str, path: Path, plotly_js: PlotlyJs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if plotly_js == "directory" and 'src="plotly.min.js"' in page and not (path.parent / PLOTLY_FILE).exists():
        files.write_text(path.parent / PLOTLY_FILE, _Plots(enabled=True).javascript())
    return files.write_text(path, page)


def load(path: Path) -> dict[str, Any]:
    """A saved result: our result JSON, or a Gradescope results.json written by
    the exported autograder (which carries ours in ``extra_data.result``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} holds {type(data).__name__}, not a result object")
    inner = (data.get("extra_data") or {}).get("result") if isinstance(data.get("extra_data"), dict) else None
    if isinstance(inner, dict):
        return inner
    if "tests" not in data or "score" not in data:
        raise ValueError(f"{path} is not a grade result (no score and tests)")
    return data


# -- sections --------------------------------------------------------------------------------------

def _header(r: Mapping[str, Any]) -> str:
    score, top = r.get("score", 0), r.get("max_score", 0)
    manual = sum(_number(m.get("max_score")) or 0.0 for m in _list(r.get("manual"), "", []) if isinstance(m, Mapping))
    isolation = str(r.get("isolation", "none"))
    said = {"namespaces": "Linux namespaces", "uid": "an unprivileged uid (no namespaces)",
            "python-hook": "Python audit hook only (fine for a self-check; the course grades with namespaces)"}
    profile = r.get("profile", "")
    described = f" ({_e(r['profile_description'])})" if r.get("profile_description") else ""
    return (f'<section id="summary"><h1>{_e(r.get("title") or r.get("assignment", ""))}</h1>'
            f'<div class="sub">{_e(r.get("submission", ""))} &middot; {_e(r.get("assignment", ""))}</div>'
            + (f'<div class="score" id="score">{_n(r["total_score"])} / {_n(r.get("total_max_score", 0))}</div>'
               f'<div class="sub" id="score-parts">{_n(score)} / {_n(top)} graded automatically + '
               f'{_n(r.get("hand_score", 0))} / {_n(manual)} by hand'
               f'{"" if r.get("hand_complete") else " (not all graded yet)"}</div>' if "total_score" in r else
               f'<div class="score" id="score">{_n(score)} / {_n(top)}</div>'
               + (f'<div class="sub">+ {_n(manual)} points graded by hand by the course staff</div>' if manual else ""))
            + f'<div>Profile: <b>{_e(profile)}</b>{described}</div>'
            f'<div id="isolation">Isolation: <b>{_e(isolation)}</b> &mdash; {_e(said.get(isolation, isolation))}'
            + (f' <span class="sub">({_e(r.get("isolation_detail", ""))})</span>' if r.get("isolation_detail") else "")
            + f'</div><div class="sub">Graded in {_number(r.get("execution_time")) or 0:.1f} s</div></section>')


def _items(r: Mapping[str, Any], malformed: list[str]) -> str:
    rows = []
    for i, t in enumerate(_list(r.get("tests"), "the items", malformed)):
        if not isinstance(t, Mapping):
            malformed.append(_unreadable(f"item {i + 1}", t, "an item record"))
            continue
        status = str(t.get("status", ""))
        where = f"item {t.get('number', i + 1)}"
        chips = "".join(f'<span class="chip">{_e(m)}</span>'
                        for m in _list(t.get("mistakes"), f"{where}: its named mistakes", malformed))
        chips += "".join(f'<span class="chip adapted">{_e(a)}</span>'
                         for a in _list(t.get("adapted"), f"{where}: what it adapted to", malformed))
        hint = f'<div class="hint">&rarr; {_e(t["hint"])}</div>' if t.get("hint") else ""
        rows.append(f'<tr class="item" data-status="{_e(status)}" data-number="{_e(t.get("number", ""))}">'
                    f'<td>{_e(t.get("number", ""))}</td><td>{_e(t.get("name", ""))}</td>'
                    f'<td class="num">{_n(t.get("score", 0))}/{_n(t.get("max_score", 0))}</td>'
                    f'<td class="status" style="color:{_STATUS.get(status, "#1f2328")}">{_e(status)}</td>'
                    f'<td><div class="feedback">{_e(t.get("output", ""))}</div>{hint}{chips}</td></tr>')
    for i, m in enumerate(_list(r.get("manual"), "the items graded by hand", malformed)):
        if not isinstance(m, Mapping):
            malformed.append(_unreadable(f"item graded by hand {i + 1}", m, "an item record"))
            continue
        given = "score" in m
        rows.append(f'<tr class="manual"><td></td><td>{_e(m.get("name", ""))}</td>'
                    f'<td class="num">{_n(m["score"]) if given else "-"}/{_n(m.get("max_score", 0))}</td>'
                    f'<td class="status">by hand</td>'
                    f'<td>{_e(m.get("comment") or "graded by hand") if given else "to be graded by hand by the course staff"}'
                    '</td></tr>')
    return ('<section id="items"><h2>Items</h2><table><thead><tr><th>#</th><th>item</th><th>points</th>'
            f'<th>status</th><th>feedback</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _search(s: Any, plots: _Plots, malformed: list[str]) -> str:
    if not isinstance(s, Mapping):
        malformed.append(_unreadable("the search", s, "a search record"))
        return ""
    trials = _read_trials(s.get("trials"), malformed)
    keys = list(dict.fromkeys(k for t in trials for k in (t.get("setting") or {})))
    measures = list(dict.fromkeys(k for t in trials for k in (t.get("figures") or {})))
    chosen = s.get("chosen")
    if chosen is not None and not _is_int(chosen):
        malformed.append(_unreadable("the search's chosen trial", chosen, "a trial number"))
        chosen = None
    head = "".join(f"<th>{_e(k)}</th>" for k in ["trial", *keys, *measures, "time"])
    rows = []
    for t in trials:
        number = t.get("number")
        cells = [f'<td class="num">{_e(number)}{" &#9733;" if number == chosen else ""}</td>']
        cells += [f'<td class="num">{_e(_value(t.get("setting", {}).get(k)))}</td>' for k in keys]
        if t.get("problem"):
            cells.append(f'<td colspan="{max(1, len(measures))}" class="warn">{_e(t["problem"])}</td>')
        else:
            cells += [f'<td class="num">{_e(_figure(k, (t.get("figures") or {}).get(k)))}</td>' for k in measures]
        seconds = t.get("seconds")
        cells.append(f'<td class="num">{"" if seconds is None else f"{seconds:.1f} s"}</td>')
        rows.append(f'<tr class="trial{" chosen" if number == chosen else ""}" data-trial="{_e(number)}">'
                    f'{"".join(cells)}</tr>')
    said = (f"the chosen trial is {chosen} ({_e(s.get('how') or '')}), highlighted" if chosen is not None
            else "the search's choice was not identified")
    stopped = f'<p class="warn">{_e(s["stopped"])}</p>' if s.get("stopped") else ""
    if trials and any(t.get("malformed") for t in trials):
        stopped += ('<p class="warn">Some of what the trials sent was malformed and is left out (listed at the '
                    'top of the page).</p>')
    plot = plots.add("search", _parcoords(trials, keys, measures, chosen), height=440)
    return (f'<section id="search"><h2>Your search: {_e(s.get("function") or "")} '
            f'({len(trials)} call(s) of {_e(s.get("trained") or "")})</h2>'
            f'<p class="sub">The grader evaluated every trial itself on the validation set; {said}. Drag along an '
            f'axis to pick trials out; double-click an axis to clear.</p>{stopped}{plot}'
            f'<table id="trials"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></section>')


def _read_trials(found: Any, malformed: list[str]) -> list[dict[str, Any]]:
    """The search's trials as the section draws them: a number, a setting and figures (dicts with text
    keys), seconds (a finite number or None), a problem (text or None); a part of the wrong type is
    left out, said in ``malformed``, and the trial marked ``malformed``."""
    trials = []
    for i, t in enumerate(_list(found, "the search's trials", malformed)):
        where, said = f"trial {i + 1}", len(malformed)
        if not isinstance(t, Mapping):  # keeps its row, as the trial it stands for
            malformed.append(_unreadable(where, t, "a trial record"))
            t = {"problem": "this trial could not be read (malformed)"}
        number = t.get("number", i + 1)
        if not _is_int(number):
            malformed.append(_unreadable(f"{where}: its number", number, "a whole number"))
            number = i + 1
        setting = _mapping(t.get("setting"), f"{where}: its setting", malformed)
        figures = _mapping(t.get("figures"), f"{where}: its figures", malformed)
        seconds = t.get("seconds")
        if seconds is not None and not _finite(seconds):
            malformed.append(_unreadable(f"{where}: its time", seconds, "a number of seconds"))
            seconds = None
        problem = t.get("problem")
        if problem is not None and not isinstance(problem, str):
            malformed.append(_unreadable(f"{where}: what went wrong", problem, "text"))
            problem = "what went wrong could not be read (malformed)"
        trials.append({"number": number, "setting": {str(k): v for k, v in setting.items()},
                       "figures": {str(k): v for k, v in figures.items()}, "seconds": seconds, "problem": problem,
                       "completed": t.get("completed") is True, "malformed": len(malformed) > said})
    return trials


def _parcoords(trials: Sequence[Mapping[str, Any]], keys: Sequence[str], measures: Sequence[str],
               chosen: Any) -> dict[str, Any] | None:
    done = [t for t in trials if t.get("completed") and all(_finite((t.get("figures") or {}).get(m))
                                                            for m in measures)]
    if not done or not measures:
        return None
    colour = next((m for m in measures if "accuracy" in m), measures[0])
    dimensions: list[dict[str, Any]] = [_dimension("trial", [t.get("number") for t in done])]
    if chosen is not None and any(t.get("number") == chosen for t in done):
        dimensions[0]["constraintrange"] = [chosen - 0.4, chosen + 0.4]
    dimensions += [_dimension(k, [(t.get("setting") or {}).get(k) for t in done]) for k in keys]
    dimensions += [_dimension(m, [(t.get("figures") or {}).get(m) for t in done]) for m in measures]
    return {"data": [{"type": "parcoords", "dimensions": dimensions,
                      "line": {"color": [(t.get("figures") or {}).get(colour) for t in done], "colorscale": "Viridis",
                               "showscale": True, "colorbar": {"title": {"text": colour}}}}],
            "layout": {"margin": {"l": 60, "r": 60, "t": 60, "b": 30}}}


def _dimension(label: str, values: Sequence[Any]) -> dict[str, Any]:
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v) for v in values):
        numbers = [float(v) for v in values]
        positive = all(v > 0 for v in numbers)
        if positive and max(numbers) / min(numbers) >= 100:  # a learning rate or alpha: a log axis
            ticks = sorted(set(numbers))
            return {"label": f"{label} (log)", "values": [math.log10(v) for v in numbers],
                    "tickvals": [math.log10(v) for v in ticks], "ticktext": [f"{v:g}" for v in ticks]}
        return {"label": label, "values": numbers}
    names = sorted({_value(v) for v in values})
    return {"label": label, "values": [names.index(_value(v)) for v in values],
            "tickvals": list(range(len(names))), "ticktext": names}


def _runs(found: Any, search: Any, plots: _Plots, malformed: list[str]) -> str:
    runs = _read_runs(found, malformed)
    metrics = list(dict.fromkeys(k for run in runs for row in run["rows"]
                                 for k, v in row.items() if _finite(v) and not str(k).startswith("_")
                                 and str(k) not in ("epoch", "step")))
    shown = [m for m in metrics if any(w in m.lower() for w in ("loss", "ce", "acc"))] or metrics
    parts: list[str] = []
    for metric in shown[:4]:
        traces = []
        for i, run in enumerate(runs):
            rows = [row for row in run["rows"] if _finite(row.get(metric))]
            if rows:
                x = [next((row[k] for k in ("epoch", "_step") if _finite(row.get(k))), j) for j, row in enumerate(rows)]
                traces.append({"type": "scatter", "mode": "lines+markers", "name": _run_name(run, i), "x": x,
                               "y": [row[metric] for row in rows]})
        parts.append(plots.add(f"curves-{len(parts)}", {
            "data": traces, "layout": {"title": {"text": metric}, "xaxis": {"title": {"text": "epoch"}, "tickformat": "d"},
                                       "yaxis": {"title": {"text": metric}}, "legend": {"font": {"size": 10}}}},
            height=360))
    unread = any(run["notes"] for run in runs)
    table = "".join(f'<tr class="run{" malformed" if run["notes"] else ""}"><td>{_e(_run_name(run, i))}</td>'
                    f'<td>{_e(run["project"] or "")}</td>'
                    f'<td>{_e(", ".join(f"{k}={_value(v)}" for k, v in run["config"].items()))}</td>'
                    f'<td class="num">{len(run["rows"])}</td>'
                    + (f'<td class="warn">{_e("; ".join(run["notes"]))}</td>' if unread else "") + '</tr>'
                    for i, run in enumerate(runs))
    return (f'<section id="runs"><h2>Your experiment tracking: {len(runs)} run(s) logged</h2>'
            f'<p class="sub">Learning curves as your code logged them with wandb.log (the grader\'s offline '
            f'stand-in recorded them).</p><div class="grid">{"".join(parts)}</div>'
            '<table><thead><tr><th>run</th><th>project</th><th>config</th><th>rows logged</th>'
            f'{"<th>malformed: could not be read</th>" if unread else ""}</tr></thead>'
            f'<tbody>{table}</tbody></table></section>')


def _read_runs(found: Any, malformed: list[str]) -> list[dict[str, Any]]:
    """The runs as the section draws them: ``name`` and ``project`` text or None, ``config`` a dict,
    ``rows`` a list of dicts, ``notes`` what of the run could not be read (the run's own ``malformed``
    notes, which record_search writes, and what is of the wrong type here: a result from an older
    grader); each note is said in ``malformed`` too."""
    runs = []
    for i, run in enumerate(_list(found, "the logged runs", malformed)):
        where = f"run {i + 1}"
        if not isinstance(run, Mapping):
            notes = [_unreadable(where, run, "a run record")]
            run = {}
        else:
            given = run.get("malformed")
            notes = [str(n) for n in given] if isinstance(given, list) else (
                [] if given is None else [_unreadable(f"{where}: its notes", given, "a list")])
        read: dict[str, Any] = {"notes": notes}
        for key, kind, what in (("name", str, "text"), ("project", str, "text"), ("config", Mapping, "a dict"),
                                ("rows", list, "a list")):
            value = run.get(key)
            if value is not None and not isinstance(value, kind):
                notes.append(_unreadable(f"{where}: its {'logged rows' if key == 'rows' else key}", value, what))
                value = None
            read[key] = value
        rows = read["rows"] or []
        read["rows"] = [row for row in rows if isinstance(row, Mapping)]
        if len(read["rows"]) < len(rows):
            bad = next(row for row in rows if not isinstance(row, Mapping))
            notes.append(f"{where}: {len(rows) - len(read['rows'])} of its {len(rows)} logged rows could not be "
                         f"read (such as {_shown(bad)}, not a dict)")
        read["config"] = {str(k): v for k, v in (read["config"] or {}).items()}
        malformed.extend(notes)
        runs.append(read)
    return runs


def _run_name(run: Mapping[str, Any], i: int) -> str:
    if run.get("name"):
        return str(run["name"])[:60]
    config = run["config"]
    shown = ", ".join(f"{k}={_value(v)}" for k, v in config.items() if isinstance(v, (int, float, str)))
    return f"run {i + 1}" + (f" ({shown[:50]})" if shown else "")


def _test(t: Any, plots: _Plots, malformed: list[str]) -> str:
    if not isinstance(t, Mapping):
        malformed.append(_unreadable("the test set's figures", t, "a dict"))
        return ""
    figures = _mapping(t.get("figures"), "the test set's figures", malformed)
    bullets: list[str] = []
    for name, f in figures.items():
        if not isinstance(f, Mapping) or not (f.get("value") is None or _finite(f.get("value"))):
            malformed.append(_unreadable(f"the test set's {name}", f, "a figure with a value"))
            continue
        if f.get("value") is None:
            continue
        if _finite(f.get("threshold")):
            bullets.append(plots.add(f"test-{len(bullets)}", _bullet(name, f), height=150))
        else:
            bullets.append(f'<p>{_e(name)}: {_e(_figure(name, f["value"]))}</p>')
    classes = [str(c) for c in _list(t.get("classes"), "the test set's classes", malformed)]
    confusion = t.get("confusion")
    if confusion and not (isinstance(confusion, list) and all(isinstance(row, list) for row in confusion)):
        malformed.append(_unreadable("the confusion matrix", confusion, "a list of rows"))
        confusion = None
    heat = plots.add("confusion", {
        "data": [{"type": "heatmap", "z": confusion, "x": classes, "y": classes, "colorscale": "Blues",
                  "reversescale": True, "texttemplate": "%{z}", "hovertemplate": "true %{y}, predicted %{x}: %{z}<extra></extra>"}],
        "layout": {"xaxis": {"title": {"text": "predicted class"}, "type": "category"},
                   "yaxis": {"title": {"text": "true class"}, "autorange": "reversed", "type": "category"},
                   "margin": {"l": 110, "b": 90, "t": 30}}}, height=520) if confusion else ""
    images = _misclassified(_list(t.get("misclassified"), "the misclassified images", malformed), classes, plots,
                            malformed)
    return (f'<section id="test"><h2>The chosen model on the test set</h2><p class="sub">{_e(t.get("model", ""))} '
            f'&middot; {_e(t.get("profile", ""))} profile &middot; the grader\'s own forward pass (the test set never '
            f'reaches your code)</p>{"".join(bullets)}<h2>Confusion matrix</h2>{heat}'
            f'<h2>Some misclassified test images</h2>{images}</section>')


def _bullet(name: str, f: Mapping[str, Any]) -> dict[str, Any]:
    value, threshold = float(f["value"]), float(f["threshold"])
    floor = float(f["floor"]) if _finite(f.get("floor")) else threshold
    accuracy = "accuracy" in name
    low, high = (min(floor, value, threshold), max(floor, value, threshold))
    span = high - low or 1.0
    scale = 100 if accuracy else 1
    better = "higher" if not f.get("lower_is_better") else "lower"
    steps = [{"range": sorted([floor * scale, threshold * scale]), "color": "#fff8c5"}]
    return {"data": [{"type": "indicator", "mode": "number+gauge", "value": value * scale,
                      "number": {"suffix": "%" if accuracy else "", "valueformat": ".2f" if accuracy else ".4f"},
                      "title": {"text": f"{name}<br><span style='font-size:11px'>threshold {threshold * scale:g}"
                                        f"{'%' if accuracy else ''} ({better} is better), no credit at "
                                        f"{floor * scale:g}{'%' if accuracy else ''}</span>"},
                      "gauge": {"shape": "bullet", "axis": {"range": [(low - 0.15 * span) * scale,
                                                                      (high + 0.15 * span) * scale]},
                                "steps": steps, "bar": {"color": "#0969da"},
                                "threshold": {"line": {"color": "#cf222e", "width": 3}, "value": threshold * scale}}}],
            "layout": {"margin": {"l": 260, "r": 30, "t": 20, "b": 30}}}


def _misclassified(examples: Sequence[Any], classes: Sequence[str], plots: _Plots, malformed: list[str]) -> str:
    usable = []
    for i, e in enumerate(examples):
        if not isinstance(e, Mapping):
            malformed.append(_unreadable(f"misclassified image {i + 1}", e, "an image record"))
        elif e.get("pixels") or e.get("side"):
            side, pixels = e.get("side"), _pixels(e.get("pixels"))
            if _is_int(side) and side > 0 and pixels is not None and len(pixels) >= side * side:
                usable.append({**e, "side": side, "pixels": pixels})
            else:
                malformed.append(f"misclassified image {i + 1} could not be read (its pixels are not "
                                 f"{_shown(side)} by {_shown(side)} base64 bytes)")
    if not usable:
        return "<p>None kept.</p>" if not examples else "<p>(no pixels kept)</p>"
    n = len(usable)
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "annotations": annotations}
    for i, e in enumerate(usable):
        side = e["side"]
        grey = e["pixels"]
        z = [[grey[r * side + c] for c in range(side)] for r in range(side)]
        axis = "" if i == 0 else str(i + 1)
        data.append({"type": "heatmap", "z": z, "colorscale": "Greys", "reversescale": True, "showscale": False,
                     "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "skip"})
        width = 1 / n
        domain = [i * width + 0.01, (i + 1) * width - 0.01]
        layout[f"xaxis{axis}"] = {"domain": domain, "visible": False, "anchor": f"y{axis}"}
        layout[f"yaxis{axis}"] = {"autorange": "reversed", "visible": False, "anchor": f"x{axis}",
                                  "scaleanchor": f"x{axis}"}
        label = _class(classes, e.get("label"))
        predicted = _class(classes, e.get("predicted"))
        annotations.append({"text": f"true {label}<br>predicted {predicted}", "showarrow": False,
                                      "xref": "paper", "yref": "paper", "x": (domain[0] + domain[1]) / 2, "y": 1.0,
                                      "yanchor": "bottom", "font": {"size": 11}})
    return plots.add("misclassified", {"data": data, "layout": layout}, height=200)


def _gradients(g: Any, malformed: list[str]) -> str:
    rows = []
    for block, v in _mapping(g, "the gradient blocks", malformed).items():
        if not isinstance(v, Mapping):
            malformed.append(_unreadable(f"gradient block {block}", v, "a block record"))
            continue
        credit = _number(v.get("credit")) or 0.0
        status = "right" if credit >= 1 else ("partly right" if credit > 0 else "wrong")
        chips = "".join(f'<span class="chip">{_e(m)}</span>'
                        for m in _list(v.get("mistakes"), f"gradient block {block}: its mistakes", malformed))
        error = v.get("largest_error") if _finite(v.get("largest_error")) else None
        rows.append(f'<tr class="block" data-block="{_e(block)}"><td>{_e(block)}</td><td>{_e(status)}</td>'
                    f'<td class="num">{_e(v.get("right"))} of {_e(v.get("networks"))}</td><td>{chips}</td>'
                    f'<td class="num">{"" if error is None else f"{float(error):.3g}"}</td></tr>')
    return ('<section id="gradients"><h2>Gradient blocks</h2><p class="sub">Each block compared with the reference '
            'on hidden random instances; a wrong block is matched against the usual mistakes (summed over the batch, '
            'transposed, regularised, relu\' as sign...).</p><table><thead><tr><th>block</th><th>verdict</th>'
            '<th>random instances right</th><th>mistakes</th><th>largest error</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _notes(r: Mapping[str, Any], malformed: list[str]) -> str:
    notes = "".join(f'<p class="note">{_note(str(n))}</p>' for n in _list(r.get("notes"), "the notes", malformed))
    errors = _list(r.get("internal_errors"), "the internal errors", malformed)
    said = (f'<p class="warn">The grader hit {len(errors)} internal error(s); the items concerned are marked '
            f'"error". Please report this with your file.</p>' if errors else "")
    return f'<section id="notes"><h2>Notes</h2>{_handed(r)}{notes or "<p>None.</p>"}{said}</section>'


def _handed(r: Mapping[str, Any]) -> str:
    """Which file of the hand-in was graded and what came with it (the PDF for
    the items graded by hand), linked where the batch kept a copy."""
    handed = r.get("handed") or {}
    if not isinstance(handed, Mapping):
        return f'<p class="handed warn">{_e(_unreadable("what was handed in", handed, "a dict"))}</p>'
    if not handed or (handed.get("kind") == "py" and not handed.get("companions")):
        return ""
    came = []
    for companion in _list(handed.get("companions"), "", []):
        if not isinstance(companion, Mapping):
            continue
        name = _e(companion.get("name", ""))
        kept = companion.get("kept")
        link = f'<a href="{_e(Path(str(kept)).as_uri())}">{name}</a>' if kept and Path(str(kept)).is_absolute() \
            else name
        came.append(f"{link} ({int(_number(companion.get('size')) or 0):,} bytes)")
    with_it = f"; with it: {', '.join(came)}" if came else ""
    return (f'<p class="handed">Handed in as a {_e(handed.get("kind", ""))}: graded '
            f'{_e(handed.get("graded") or "")}{with_it}.</p>')


def _note(text: str) -> str:
    """A note's lines as written; those indented by four spaces are code (a
    syntax error's line and the caret under it) and keep their columns."""
    return "\n".join(f"<code>{_e(line)}</code>" if line.startswith("    ") else _e(line) for line in text.split("\n"))


# -- plots -----------------------------------------------------------------------------------------

class _Plots:
    """The page's Plotly figures, drawn by one script at the end of the page."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.figures: list[tuple[str, dict[str, Any]]] = []
        self.missing = False

    @property
    def used(self) -> bool:
        return bool(self.figures)

    def add(self, name: str, figure: dict[str, Any] | None, *, height: int) -> str:
        if figure is None:
            return ""
        if not self.enabled or not _have_plotly():
            self.missing = self.missing or self.enabled
            return ""
        div = f"plot-{name}"
        figure["layout"] = {"height": height, "paper_bgcolor": "white", "font": {"size": 12},
                            **figure.get("layout", {})}
        # As JSON now, in its section: a value past encoding fails there, and NaN or inf is a gap (null).
        figure = json.loads(json.dumps(figure, default=str), parse_constant=lambda constant: None)
        self.figures.append((div, figure))
        return (f'<div class="plot" id="{div}" data-kind="{_e(name.split("-")[0])}" '
                f'style="min-height:{height}px"></div>')

    def scripts(self) -> str:
        if not self.figures:
            return ""
        specs = json.dumps({div: figure for div, figure in self.figures}, allow_nan=False, default=str)
        specs = specs.replace("</", "<\\/")
        return ('<script id="figures" type="application/json">' + specs + "</script><script>"
                "const specs=JSON.parse(document.getElementById('figures').textContent);"
                "for(const [id,f] of Object.entries(specs)){Plotly.newPlot(id,f.data,f.layout,"
                "{displaylogo:false,responsive:true});}</script>")

    @staticmethod
    def javascript() -> str:
        from plotly.offline import get_plotlyjs

        return str(get_plotlyjs())


def plotly_available() -> bool:
    """Whether the optional report extra (Plotly) is installed."""
    return _have_plotly()


def plotly_javascript() -> str:
    """plotly.js, as the Plotly package ships it (works offline)."""
    return _Plots.javascript()


def _have_plotly() -> bool:
    try:
        import plotly.offline  # noqa: F401
    except ImportError:
        return False
    return True


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: Any) -> str:
    try:
        return f"{round(float(value), 2):g}"
    except (TypeError, ValueError, OverflowError):
        return _e(value)


def _number(value: Any) -> float | None:
    return float(value) if _finite(value) else None


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it, cut short."""
    try:
        text = repr(value)
    except Exception:  # nested too deeply to repr
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shown_text(value: Any, limit: int) -> str:
    try:
        text = str(value)
    except Exception:
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unreadable(what: str, value: Any, expected: str) -> str:
    """``run 2: its logged rows could not be read (5, not a list)``."""
    return f"{what} could not be read ({_shown(value)}, not {expected})"


def _list(value: Any, what: str, malformed: list[str]) -> list[Any]:
    """``value`` as a list; anything else but None is nothing, said in ``malformed`` as ``what``."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if value is not None and what:
        malformed.append(_unreadable(what, value, "a list"))
    return []


def _mapping(value: Any, what: str, malformed: list[str]) -> Mapping[Any, Any]:
    """``value`` as a dict; anything else but None is empty, said in ``malformed`` as ``what``."""
    if isinstance(value, Mapping):
        return value
    if value is not None:
        malformed.append(_unreadable(what, value, "a dict"))
    return {}


def _pixels(value: Any) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        return None


def _finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int past any float
        return False


def _value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _figure(name: str, value: Any) -> str:
    if not _finite(value):
        return "" if value is None else str(value)
    return f"{value:.2%}" if "accuracy" in name else f"{value:.4f}"


def _class(classes: Sequence[str], index: Any) -> str:
    return classes[index] if isinstance(index, int) and 0 <= index < len(classes) else str(index)


def pages(results: Iterable[tuple[Mapping[str, Any], Path]], *, plotly_js: PlotlyJs = "directory") -> list[Path]:
    """Write many pages (a batch's), sharing one plotly.min.js per folder."""
    return [write(result, path, plotly_js=plotly_js) for result, path in results]


def _files_section(summary: Mapping[str, Any]) -> str:
    """Every entry of the batch folder and what became of it, with the counts."""
    entries = summary.get("files") or []
    if not entries:
        return ""
    body = "".join(f'<tr class="file {_e(f.get("status"))}"><td>{_e(f.get("file"))}</td><td>{_e(f.get("status"))}'
                   f'{" (late)" if f.get("late") else ""}</td><td>{_e(f.get("reason") or "")}</td>'
                   f'<td>{_e(", ".join(f.get("students") or []))}</td></tr>' for f in entries)
    conflicts = "".join(f"<li>{_e(c)}</li>" for c in summary.get("conflicts") or [])
    return (f'<section id="files"><h2>Every file in the folder</h2><p>{_e(summary.get("accounting") or "")}</p><table><thead><tr><th>file</th><th>what became of it</th><th>why</th>'
            f'<th>students</th></tr></thead><tbody>{body}</tbody></table>'
            + (f"<h3>Students named by more than one file</h3><ul>{conflicts}</ul>" if conflicts else "")
            + "</section>")


def _similarity_section(summary: Mapping[str, Any]) -> str:
    """The pairs ``grade similarity`` flagged, linking its page (nothing when it did not run)."""
    similar = summary.get("similarity")
    if not isinstance(similar, Mapping) or not similar:
        return ""
    def share(value: Any) -> str:
        found = _number(value)
        return f"{found:.0%}" if found is not None else "-"

    rows = "".join(f'<tr class="similar"><td>{_e(p.get("file_a"))}</td><td>{_e(p.get("file_b"))}</td>'
                   f'<td class="num">{share(p.get("share_a"))}</td><td class="num">{share(p.get("share_b"))}</td></tr>'
                   for p in similar.get("top") or [] if isinstance(p, Mapping))
    return (f'<section id="similarity"><h2>Similarity</h2><p>{_e(similar.get("flagged"))} pair(s) flagged, of '
            f'{_e(similar.get("pairs"))} with code in common: a flag for a person to read, never a grade. '
            f'<a href="{_e(similar.get("page", "similarity.html"))}">The pairs side by side</a></p>'
            + (f'<table><thead><tr><th>file</th><th>other file</th><th>its share in the other</th><th>the '
               f"other's share in it</th></tr></thead><tbody>{rows}</tbody></table>" if rows else "")
            + "</section>")


def _report_problems(summary: Mapping[str, Any]) -> str:
    """The students' pages that could not be drawn (an error page stands in each) and the malformed
    data the others left out and say."""
    failed = "".join(f'<li class="not-drawn">{_e(file)}: {_e(why)}</li>' for file, why in
                     summary.get("reports_not_drawn") or [])
    odd = "".join(f'<li class="malformed">{_e(file)}: {_e(what)}</li>' for file, what in summary.get("malformed") or [])
    if not failed and not odd:
        return ""
    return ('<section id="report-problems" class="warn"><h2>Reports with problems</h2>'
            + (f"<p>These pages could not be drawn: each is an error page saying why, with the score. This is a "
               f"problem of the grader's report for that student, not of the grade, which stands.</p>"
               f"<ul>{failed}</ul>" if failed else "")
            + ("<p>Malformed data in these results (sent by the submission's process, whose code can forge it, "
               f"or written by an older grader): each page leaves it out and says so.</p><ul>{odd}</ul>"
               if odd else "") + "</section>")


def summary_page(summary: Mapping[str, Any], students: Sequence[Mapping[str, Any]], *,
                 script_src: str | None = PLOTLY_FILE) -> str:
    """A class's page: the score histogram, per-item pass rates, the most
    common named mistakes with counts, and a row per submission linking to its
    report. ``students``: {file, students, score, report (a relative link),
    problem (what is wrong with that report, if anything)}. ``script_src``:
    where plotly.min.js is, relative to the page (None: no plots)."""
    plots = _Plots(enabled=script_src is not None)
    top = float(summary.get("max_score") or 0)
    histogram = summary.get("histogram") or []
    bars = plots.add("histogram", {
        "data": [{"type": "bar", "x": [f"{low:g}-{high:g}" for low, high, _ in histogram],
                  "y": [count for _, _, count in histogram], "marker": {"color": "#0969da"},
                  "hovertemplate": "%{x} points: %{y} submission(s)<extra></extra>"}],
        "layout": {"xaxis": {"title": {"text": f"score (of {top:g})"}},
                   "yaxis": {"title": {"text": "submissions"}, "rangemode": "tozero",
                             **({"dtick": 1} if max((c for _, _, c in histogram), default=0) <= 10 else {})},
                   "margin": {"t": 20}}}, height=320)
    items = list(summary.get("items") or [])
    rates = plots.add("pass-rates", {
        "data": [{"type": "bar", "orientation": "h", "y": [f"{i['id']} {str(i['name'])[:50]}" for i in items],
                  "x": [100 * float(i["pass_rate"]) for i in items], "marker": {"color": "#1a7f37"},
                  "hovertemplate": "%{y}: %{x:.0f}% passed<extra></extra>"}],
        "layout": {"xaxis": {"title": {"text": "% of submissions with full points"}, "range": [0, 100]},
                   "yaxis": {"autorange": "reversed", "automargin": True}, "margin": {"t": 20}}},
        height=max(260, 26 * len(items) + 80))
    item_rows = "".join(f'<tr class="item-rate"><td>{_e(i["id"])}</td><td>{_e(i["name"])}</td>'
                        f'<td class="num">{_n(i["points"])}</td><td class="num">{float(i["pass_rate"]):.0%}</td>'
                        f'<td class="num">{float(i["mean"]):.2f}</td></tr>' for i in items)
    mistakes = "".join(f'<tr class="mistake"><td><span class="chip">{_e(tag)}</span></td><td class="num">'
                       f'{_e(count)}</td><td>{_e(example)}</td></tr>' for tag, count, example in
                       summary.get("mistakes") or [])
    totals = any("total" in s for s in students)
    rows = "".join(f'<tr class="student"><td><a href="{_e(s["report"])}">{_e(s["file"])}</a>'
                   + (f' <span class="warn">({_e(s["problem"])})</span>' if s.get("problem") else "") +
                   f'</td><td>{_e(", ".join(s.get("students") or []))}</td><td class="num">{_n(s["score"])}</td>'
                   + (f'<td class="num">{_n(s["total"]) if "total" in s else "-"}</td>' if totals else "") + '</tr>'
                   for s in students)
    hand = summary.get("hand") or {}
    failing = "".join(f"<li>{_e(f)}: {_e(why)}</li>" for f, why in summary.get("failing") or [])
    head = f'<script src="{_e(script_src)}"></script>' if plots.used and script_src else ""
    body = (f'<section id="summary"><h1>{_e(summary.get("assignment", ""))}: {_e(summary.get("submissions"))} '
            f'submissions, {_e(summary.get("students"))} students</h1><div class="score">mean '
            f'{float(summary.get("mean") or 0):.2f} / {top:g}</div><div>median '
            f'{float(summary.get("median") or 0):.2f}; {_e(summary.get("profile", ""))} profile</div>'
            + (f'<div id="hand">By hand ({_n(hand.get("max_score"))} points): {_e(hand.get("complete"))} of '
               f'{_e(hand.get("students"))} students graded; mean total (auto + hand so far) '
               f'{float(hand.get("mean_total") or 0):.2f}</div>' if hand else "") + '</section>'
            f'<section id="scores"><h2>Scores</h2>{bars}</section>'
            f'<section id="pass-rates"><h2>Items</h2>{rates}<table><thead><tr><th>#</th><th>item</th>'
            f'<th>points</th><th>passed</th><th>mean</th></tr></thead><tbody>{item_rows}</tbody></table></section>'
            f'<section id="mistakes"><h2>Most common named mistakes</h2><table><thead><tr><th>mistake</th>'
            f'<th>submissions</th><th>for example</th></tr></thead><tbody>{mistakes or "<tr><td>none</td></tr>"}'
            f'</tbody></table></section>'
            + (f'<section id="failing"><h2>Failing</h2><ul>{failing}</ul></section>' if failing else "")
            + f'<section id="students"><h2>Submissions</h2><table><thead><tr><th>file (its report)</th>'
            f'<th>students</th><th>score</th>{"<th>auto + hand</th>" if totals else ""}</tr></thead>'
            f'<tbody>{rows}</tbody></table></section>'
            + _similarity_section(summary) + _report_problems(summary) + _files_section(summary))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_e(summary.get("assignment"))}'
            f' class summary</title><style>{_STYLE}</style>{head}</head><body><main>{body}</main>'
            f'{plots.scripts()}</body></html>\n')
