"""What ``grade similarity`` writes: ``similarity.csv`` (every pair with code in common, most
similar first) and ``similarity.html`` (the flagged pairs side by side, the matched code marked;
one self-contained file, no script, opens offline)."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from grader.similarity.compare import SUBSTANTIAL, Pair, Similarity, ranges

COLUMNS = ("rank", "file_a", "students_a", "file_b", "students_b", "share_a_in_b", "share_b_in_a", "common",
           "lines_a", "lines_b", "flagged")
SHOWN = 50
"""Flagged pairs drawn side by side on the page at most (the CSV has them all)."""
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328;max-width:110rem}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0} td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem 1rem;border-radius:6px}
.pair{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.8rem;max-height:40rem;white-space:pre}
mark{background:#ffd8b5}
"""


def _students(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def write_csv(result: Similarity, path: Path) -> Path:
    flagged = {id(pair) for pair in result.flagged}
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for rank, pair in enumerate(result.pairs, 1):
            out.writerow([rank, pair.a.label, _students(pair.a.students), pair.b.label, _students(pair.b.students),
                          f"{pair.share_a:.3f}", f"{pair.share_b:.3f}", pair.overlap, ranges(pair.lines_a),
                          ranges(pair.lines_b), "yes" if id(pair) in flagged else ""])
    return path


def _marked(source: str, spans: tuple[tuple[int, int], ...]) -> str:
    """The source, escaped, with the matched spans in ``<mark>``."""
    parts, at = [], 0
    for start, end in spans:
        start, end = max(start, at), max(end, at)
        parts.append(html.escape(source[at:start]))
        parts.append(f"<mark>{html.escape(source[start:end])}</mark>")
        at = end
    parts.append(html.escape(source[at:]))
    return "".join(parts)


def _side(pair: Pair, first: bool) -> str:
    entry, share, spans, found = ((pair.a, pair.share_a, pair.spans_a, pair.lines_a) if first else
                                  (pair.b, pair.share_b, pair.spans_b, pair.lines_b))
    who = f" ({html.escape(_students(entry.students))})" if entry.students else ""
    return (f'<div><h3>{html.escape(entry.label)}{who}</h3><div>{share:.0%} of its code is in the other file; '
            f'lines {html.escape(ranges(found))}</div><pre>{_marked(entry.source, spans)}</pre></div>')


def page(result: Similarity) -> str:
    flagged = result.flagged
    rows = "".join(
        f'<tr class="flagged"><td class="num">{rank}</td><td><a href="#pair-{rank}">{html.escape(p.a.label)}</a></td>'
        f'<td>{html.escape(_students(p.a.students))}</td><td>{html.escape(p.b.label)}</td>'
        f'<td>{html.escape(_students(p.b.students))}</td><td class="num">{p.share_a:.0%}</td>'
        f'<td class="num">{p.share_b:.0%}</td><td class="num">{p.overlap}</td></tr>'
        for rank, p in enumerate(flagged, 1))
    pairs = "".join(
        f'<section class="pair" id="pair-{rank}"><h2>{rank}. {html.escape(p.a.label)} and {html.escape(p.b.label)}: '
        f'{p.score:.0%}</h2><div class="sides">{_side(p, True)}{_side(p, False)}</div></section>'
        for rank, p in enumerate(flagged[:SHOWN], 1))
    more = (f"<p>{len(flagged) - SHOWN} more flagged pairs are in similarity.csv.</p>"
            if len(flagged) > SHOWN else "")
    skipped = "".join(f"<li>{html.escape(file)}: {html.escape(why)}</li>" for file, why in result.not_compared)
    archive = sum(entry.archive for entry in result.entries)
    body = (f"<h1>{html.escape(result.assignment)}: similarity of {len(result.entries) - archive} submissions"
            + (f" and {archive} archived files" if archive else "") + "</h1>"
            '<p class="note">A flag for a person to read, never a grade. A share is the part of a file\'s own code '
            "(the stub's code left out, names, strings, comments and layout ignored) that is also in the other "
            "file. Short files and code from older templates share much by chance; read both files before "
            "concluding anything. See docs/similarity.md.</p>"
            f"<p>{len(flagged)} pair(s) with a share of {result.threshold:.0%} or more and at least {SUBSTANTIAL} "
            f"characters of normalised code in common, of {len(result.pairs)} pairs with code in common "
            "(all in similarity.csv).</p>"
            '<table><thead><tr><th>#</th><th>file</th><th>students</th><th>other file</th><th>students</th>'
            '<th>its share in the other</th><th>the other\'s share in it</th><th>in common</th></tr></thead>'
            f'<tbody>{rows or "<tr><td colspan=8>none</td></tr>"}</tbody></table>{pairs}{more}'
            + (f"<h2>Not compared</h2><ul>{skipped}</ul>" if skipped else ""))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(result.assignment)} '
            f'similarity</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>\n')


def write_page(result: Similarity, path: Path) -> Path:
    path.write_text(page(result), encoding="utf-8")
    return path
