"""A student's page: its skeleton (the score, the items, the notes, the figures' sections, each
guarded), writing it, the error page in place of one that fails, and loading a saved result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from grader.reporters import files
from grader.reporters.html.figures import _gradients, _runs, _search, _test
from grader.reporters.html.plots import INSTALL, PLOTLY_FILE, PlotlyJs, _Plots
from grader.reporters.html.values import _e, _list, _mapping, _n, _number, _shown_text, _unreadable

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


def pages(results: Iterable[tuple[Mapping[str, Any], Path]], *, plotly_js: PlotlyJs = "directory") -> list[Path]:
    """Write many pages (a batch's), sharing one plotly.min.js per folder."""
    return [write(result, path, plotly_js=plotly_js) for result, path in results]


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
