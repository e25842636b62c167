"""A class's page: the score histogram, the pass rates, the named mistakes, a row per submission
linking its page, and what the batch found in the folder, the similarity and the reports."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from grader.reporters.html.page import _STYLE
from grader.reporters.html.plots import PLOTLY_FILE, _Plots
from grader.reporters.html.values import _e, _n, _number


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
