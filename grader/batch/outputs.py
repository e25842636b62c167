"""What a batch writes: one result JSON per submission, ``grades.csv`` in the
form Canvas's gradebook import takes, and a summary of the class.

``grades.csv``: Canvas matches rows by ``SIS Login ID`` (the login the file
name gives), ignores ``Student``'s display text, reads the ``Points
Possible`` row, and offers to create an assignment for every column it does
not know (the total under the assignment's title, then one column per rubric
item: keep or skip them in its import preview). A team file gives a row per
member.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.runner import Batch, Submission
from grader.reporters import html

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def result_for(batch: Batch, submission: Submission) -> dict[str, Any]:
    """The stored result, as this file's own (an identical copy shares the grade)."""
    stored = batch.store.get(submission.digest)
    assert stored is not None, submission.path
    return {**stored.result, "submission": submission.path.name, "students": list(submission.students)}


def write_results(batch: Batch, out: Path) -> None:
    folder = out / "results"
    folder.mkdir(parents=True, exist_ok=True)
    for submission in batch.submissions:
        target = folder / f"{submission.path.stem}.json"
        partial = target.with_name(f".{target.name}.partial")
        partial.write_text(json.dumps(result_for(batch, submission), indent=2) + "\n", encoding="utf-8")
        partial.replace(target)


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def write_csv(batch: Batch, out: Path) -> Path:
    """``grades.csv``: a row per student (per file when a name gives no student)."""
    items = batch.assignment.items
    target = out / "grades.csv"
    partial = target.with_name(".grades.csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_IDENTITY, batch.assignment.title, *[f"{item.id} {item.name}" for item in items]])
        writer.writerow(["Points Possible", "", "", "", "", _points(batch.assignment.points),
                         *[_points(item.points) for item in items]])
        for submission in batch.submissions:
            result = result_for(batch, submission)
            scores = {test.get("number"): test.get("score", 0) for test in result.get("tests", [])}
            values = [_points(float(result.get("score", 0))),
                      *[_points(float(scores.get(item.id, 0))) for item in items]]
            for student in submission.students or (None,):
                writer.writerow([student or submission.path.stem, "", "", student or "", "", *values])
    partial.replace(target)
    return target


@dataclass(frozen=True)
class Summary:
    assignment: str
    profile: str
    submissions: int
    students: int
    graded_now: int
    seconds: float
    max_score: float
    mean: float
    median: float
    histogram: list[tuple[float, float, int]]
    """(from, to, how many) in ten equal bins of the score."""
    items: list[dict[str, Any]]
    """Per rubric item: id, name, points, pass rate, mean score."""
    mistakes: list[tuple[str, int, str]]
    """Named mistakes: (tag, submissions showing it, an example message)."""
    slowest: list[tuple[str, float]]
    failing: list[tuple[str, str]]
    """(file, why): no points, a grader error, or a file that could not be imported."""
    identical: list[list[str]]
    unidentified: list[str]
    """Files whose names give no student."""
    throughput: float = 0.0
    """Submissions graded per second by this run."""
    extra: dict[str, Any] = field(default_factory=dict)


def summarise(batch: Batch) -> Summary:
    results = {s.digest: result_for(batch, s) for s in batch.submissions}
    distinct = list({s.digest: s for s in batch.submissions}.values())
    scores = [float(results[s.digest].get("score", 0)) for s in distinct]
    top = batch.assignment.points or 1.0
    bins = [0] * 10
    for score in scores:
        bins[min(9, int(score / top * 10))] += 1
    items = []
    for item in batch.assignment.items:
        found = [t for s in distinct for t in results[s.digest].get("tests", []) if t.get("number") == item.id]
        items.append({"id": item.id, "name": item.name, "points": item.points,
                      "pass_rate": sum(t.get("status") == "passed" for t in found) / len(found) if found else 0.0,
                      "mean": statistics.fmean(float(t.get("score", 0)) for t in found) if found else 0.0})
    tags: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for s in distinct:
        seen = set()
        for test in results[s.digest].get("tests", []):
            for tag in test.get("mistakes", []):
                if tag not in seen:
                    seen.add(tag)
                    tags[tag] += 1
                    examples.setdefault(tag, f"{test.get('number')}: {str(test.get('output', ''))[:160]}")
    seconds = {s.digest: stored.seconds for s in distinct if (stored := batch.store.get(s.digest)) is not None}
    slowest = sorted(((s.path.name, seconds[s.digest]) for s in distinct if s.digest in seconds),
                     key=lambda pair: -pair[1])[:5]
    failing = []
    for s in distinct:
        result = results[s.digest]
        if result.get("internal_errors"):
            failing.append((s.path.name, "a grader error (see its result JSON)"))
        elif result.get("imported") is False:
            failing.append((s.path.name, "the file could not be imported"))
        elif float(result.get("score", 0)) == 0:
            failing.append((s.path.name, "no points"))
    groups: dict[str, list[str]] = {}
    for s in batch.submissions:
        groups.setdefault(s.digest, []).append(s.path.name)
    students = {student for s in batch.submissions for student in s.students}
    return Summary(
        batch.assignment.id, batch.profile, len(batch.submissions), len(students), len(batch.graded_now),
        batch.seconds, batch.assignment.points, statistics.fmean(scores) if scores else 0.0,
        statistics.median(scores) if scores else 0.0,
        [(top * i / 10, top * (i + 1) / 10, count) for i, count in enumerate(bins)], items,
        [(tag, count, examples[tag]) for tag, count in tags.most_common(10)], slowest, failing,
        [names for names in groups.values() if len(names) > 1],
        [s.path.name for s in batch.submissions if not s.students],
        len(batch.graded_now) / batch.seconds if batch.seconds else 0.0)


def write_summary(summary: Summary, out: Path) -> None:
    (out / "summary.json").write_text(json.dumps(summary.__dict__, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")


def write_pages(batch: Batch, summary: Summary, out: Path) -> Path:
    """Each submission's HTML report in ``reports/`` (sharing one
    plotly.min.js there) and ``summary.html`` linking to them."""
    folder = out / "reports"
    students = []
    for submission in batch.submissions:
        result = result_for(batch, submission)
        page = html.write(result, folder / f"{submission.path.stem}.html", plotly_js="directory")
        students.append({"file": submission.path.name, "students": list(submission.students),
                         "score": result.get("score", 0), "report": f"reports/{page.name}"})
    if not (folder / html.PLOTLY_FILE).exists() and html.plotly_available():
        (folder / html.PLOTLY_FILE).write_text(html.plotly_javascript(), encoding="utf-8")
    script = f"reports/{html.PLOTLY_FILE}" if html.plotly_available() else None
    target = out / "summary.html"
    target.write_text(html.summary_page(summary.__dict__, students, script_src=script), encoding="utf-8")
    return target


def summary_markdown(s: Summary) -> str:
    lines = [f"# {s.assignment}: {s.submissions} submissions, {s.students} students ({s.profile} profile)", "",
             f"Mean {s.mean:.2f} / {s.max_score:g}, median {s.median:.2f}. Graded by this run: {s.graded_now} "
             f"in {s.seconds:.1f} s.", "", "## Scores", ""]
    widest = max((count for _, _, count in s.histogram), default=1) or 1
    for low, high, count in s.histogram:
        lines.append(f"    {low:6.2f}-{high:6.2f} | {'#' * round(30 * count / widest)} {count}")
    lines += ["", "## Items", "", "| item | points | passed | mean |", "| --- | --- | --- | --- |"]
    lines += [f"| {i['id']} {i['name']} | {i['points']:g} | {i['pass_rate']:.0%} | {i['mean']:.2f} |" for i in s.items]
    lines += ["", "## Most common named mistakes", ""]
    lines += [f"* `{tag}`: {count} submission(s), e.g. {example}" for tag, count, example in s.mistakes] or ["* none"]
    lines += ["", "## Slowest", ""] + [f"* {file}: {seconds:.1f} s" for file, seconds in s.slowest]
    lines += ["", "## Failing", ""] + ([f"* {file}: {why}" for file, why in s.failing] or ["* none"])
    lines += ["", "## Identical files (graded once)", ""]
    lines += [f"* {', '.join(names)}" for names in s.identical] or ["* none"]
    if s.unidentified:
        lines += ["", "## File names that name no student", ""] + [f"* {name}" for name in s.unidentified]
    return "\n".join(lines) + "\n"
