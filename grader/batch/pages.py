"""The batch's HTML pages: each submission's report in ``reports/`` and ``summary.html`` linking
them. A student's page that cannot be drawn is an error page (the grade stands),
and what pages could not draw or read is said in the summary, so one
submission's result never stops the batch's reports.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from grader.batch.record import Batch
from grader.batch.results import result_for
from grader.batch.summary import Summary
from grader.reporters import html

MALFORMED_SHOWN = 5


def write_pages(batch: Batch, summary: Summary, out: Path) -> Path:
    """Each submission's HTML report in ``reports/`` (sharing one
    plotly.min.js there) and ``summary.html`` linking to them."""
    return _write_pages(batch, summary, out)[1]


def _write_pages(batch: Batch, summary: Summary, out: Path) -> tuple[Summary, Path]:
    """``write_pages``, and the summary with what the students' pages could not draw or read: a page
    that fails is an error page, said on the summary page, and the batch goes on."""
    folder = out / "reports"
    students = []
    not_drawn: list[tuple[str, str]] = []
    malformed: list[tuple[str, str]] = []
    for submission in batch.submissions:
        result = result_for(batch, submission)
        drawn = html.draw(result, folder / f"{submission.path.stem}.html", plotly_js="directory")
        name = submission.path.name
        if drawn.failed:
            not_drawn.append((name, drawn.failed))
        malformed += [(name, what) for what in drawn.malformed[:MALFORMED_SHOWN]]
        if len(drawn.malformed) > MALFORMED_SHOWN:
            malformed.append((name, f"and {len(drawn.malformed) - MALFORMED_SHOWN} more (see its page)"))
        problem = ("its page could not be drawn: an error page instead" if drawn.failed else
                   f"{len(drawn.malformed)} malformed part(s) left out" if drawn.malformed else None)
        students.append({"file": name, "students": list(submission.students),
                         "score": result.get("score", 0), "report": f"reports/{drawn.path.name}",
                         **({"total": result["total_score"]} if "total_score" in result else {}),
                         **({"problem": problem} if problem else {})})
    summary = replace(summary, reports_not_drawn=not_drawn, malformed=malformed)
    if not (folder / html.PLOTLY_FILE).exists() and html.plotly_available():
        (folder / html.PLOTLY_FILE).write_text(html.plotly_javascript(), encoding="utf-8")
    script = f"reports/{html.PLOTLY_FILE}" if html.plotly_available() else None
    target = out / "summary.html"
    target.write_text(html.summary_page(summary.__dict__, students, script_src=script), encoding="utf-8")
    return summary, target
