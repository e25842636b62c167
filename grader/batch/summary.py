"""The summary of a class (scores, pass rates, named mistakes, the slowest and failing files, who
graded what, what became of every file), as ``summary.json`` and ``summary.md``; ``summary.html``
draws it (``pages``)."""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.batch.record import Batch
from grader.batch.results import hand_of, result_for, rows


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
    files: list[dict[str, Any]] = field(default_factory=list)
    """Every entry of the folder: file, status (graded, superseded, companion, refused), reason, students."""
    counts: dict[str, int] = field(default_factory=dict)
    """files, graded, superseded, companions, refused, students, late."""
    conflicts: list[str] = field(default_factory=list)
    """Students named by more than one graded file, and which one grades them."""
    accounting: str = ""
    """The counts in a line (``accounting``), as every page says it."""
    hand: dict[str, Any] = field(default_factory=dict)
    """With items graded by hand: max_score, students, complete (students with every item graded),
    mean_total (auto + hand entered, over the students)."""
    extra: dict[str, Any] = field(default_factory=dict)
    reports_not_drawn: list[tuple[str, str]] = field(default_factory=list)
    """(file, what went wrong): students' pages replaced by an error page (a problem of the report, not the
    grade). Filled in by ``write_pages``."""
    malformed: list[tuple[str, str]] = field(default_factory=list)
    """(file, what): data in a result its page left out as malformed (at most ``MALFORMED_SHOWN`` per file)."""
    similarity: dict[str, Any] = field(default_factory=dict)
    """When ``similarity.csv`` is in the folder (``grade similarity`` or ``batch --similarity``): page, csv,
    flagged, pairs, and the top flagged pairs (file_a, students_a, file_b, students_b, share_a, share_b,
    common)."""
    workers: list[dict[str, Any]] = field(default_factory=list)
    """Who graded the class's stored results: worker (``local``, or a cluster worker's name), graded, seconds
    (their total), slowest."""


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
    stored = {s.digest: kept for s in distinct if (kept := batch.store.get(s.digest)) is not None}
    seconds = {digest: kept.seconds for digest, kept in stored.items()}
    by_worker: dict[str, list[float]] = {}
    for kept in stored.values():
        by_worker.setdefault(kept.worker, []).append(kept.seconds)
    workers = [{"worker": name, "graded": len(times), "seconds": round(sum(times), 3), "slowest": round(max(times), 3)}
               for name, times in sorted(by_worker.items())]
    graded_by = {s.path.name: stored[s.digest] for s in batch.submissions if s.digest in stored}
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
    graded_rows, conflicts = rows(batch)
    students = {(row.user_id or row.login) for row in graded_rows if row.user_id or row.login}
    hand: dict[str, Any] = {}
    if batch.assignment.manual:
        grades = {row.key: hand_of(batch, row) for row in graded_rows}
        totals = [float(results[row.submission.digest].get("score", 0)) + grades[row.key].score
                  for row in graded_rows]
        hand = {"max_score": batch.assignment.manual_points, "students": len(graded_rows),
                "complete": sum(grade.complete for grade in grades.values()),
                "mean_total": statistics.fmean(totals) if totals else 0.0}
    statuses = Counter(entry.status for entry in batch.accounted)
    counts = {"files": len(batch.accounted), "graded": statuses["graded"], "superseded": statuses["superseded"],
              "companions": statuses["companion"], "refused": statuses["refused"], "students": len(students),
              "late": sum(row.submission.late for row in graded_rows)}
    files = [{"file": entry.file, "status": entry.status, "reason": entry.reason, "students": list(entry.students),
              **({"canvas_user_id": entry.user_id} if entry.user_id else {}), "late": entry.late,
              **({"graded_by": graded_by[entry.file].worker, "seconds": round(graded_by[entry.file].seconds, 3)}
                 if entry.file in graded_by else {})}
             for entry in batch.accounted]
    return Summary(
        batch.assignment.id, batch.profile, len(batch.submissions), len(students), len(batch.graded_now),
        batch.seconds, batch.assignment.points, statistics.fmean(scores) if scores else 0.0,
        statistics.median(scores) if scores else 0.0,
        [(top * i / 10, top * (i + 1) / 10, count) for i, count in enumerate(bins)], items,
        [(tag, count, examples[tag]) for tag, count in tags.most_common(10)], slowest, failing,
        [names for names in groups.values() if len(names) > 1],
        [s.path.name for s in batch.submissions if not s.students],
        len(batch.graded_now) / batch.seconds if batch.seconds else 0.0, files=files, counts=counts,
        conflicts=conflicts, accounting=accounting(counts), hand=hand, workers=workers,
        similarity=_similar(batch.out) if batch.out else {})


SIMILAR_SHOWN = 10


def _similar(out: Path) -> dict[str, Any]:
    """What the folder's ``similarity.csv`` flags, for the class summary (empty without one)."""
    path = out / "similarity.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    flagged = [row for row in rows if row.get("flagged") == "yes"]
    top = [{"file_a": row["file_a"], "students_a": row["students_a"], "file_b": row["file_b"],
            "students_b": row["students_b"], "share_a": float(row["share_a_in_b"]),
            "share_b": float(row["share_b_in_a"]), "common": int(row["common"])} for row in flagged[:SIMILAR_SHOWN]]
    return {"page": "similarity.html", "csv": "similarity.csv", "flagged": len(flagged), "pairs": len(rows),
            "top": top}


def write_summary(summary: Summary, out: Path) -> None:
    (out / "summary.json").write_text(json.dumps(summary.__dict__, indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")


def summary_markdown(s: Summary) -> str:
    lines = [f"# {s.assignment}: {s.submissions} submissions, {s.students} students ({s.profile} profile)", "",
             s.accounting, "",
             f"Mean {s.mean:.2f} / {s.max_score:g}, median {s.median:.2f}. Graded by this run: {s.graded_now} "
             f"in {s.seconds:.1f} s.", ""]
    if s.hand:
        lines += [hand_line(s.hand), ""]
    lines += ["## Scores", ""]
    widest = max((count for _, _, count in s.histogram), default=1) or 1
    for low, high, count in s.histogram:
        lines.append(f"    {low:6.2f}-{high:6.2f} | {'#' * round(30 * count / widest)} {count}")
    lines += ["", "## Items", "", "| item | points | passed | mean |", "| --- | --- | --- | --- |"]
    lines += [f"| {i['id']} {i['name']} | {i['points']:g} | {i['pass_rate']:.0%} | {i['mean']:.2f} |" for i in s.items]
    lines += ["", "## Most common named mistakes", ""]
    lines += [f"* `{tag}`: {count} submission(s), e.g. {example}" for tag, count, example in s.mistakes] or ["* none"]
    lines += ["", "## Slowest", ""] + [f"* {file}: {seconds:.1f} s" for file, seconds in s.slowest]
    if any(w["worker"] != "local" for w in s.workers):  # graded on a cluster: who graded what is in summary.json
        lines += ["", "## Workers", "", "| worker | graded | seconds | slowest |", "| --- | --- | --- | --- |"]
        lines += [f"| {w['worker']} | {w['graded']} | {w['seconds']:.1f} | {w['slowest']:.1f} |" for w in s.workers]
    lines += ["", "## Failing", ""] + ([f"* {file}: {why}" for file, why in s.failing] or ["* none"])
    lines += ["", "## Identical files (graded once)", ""]
    lines += [f"* {', '.join(names)}" for names in s.identical] or ["* none"]
    lines += ["", "## Every file in the folder", "", "| file | what became of it | students |", "| --- | --- | --- |"]
    lines += [f"| {f['file']} | {f['status']}{': ' + f['reason'] if f['reason'] else ''}"
              f"{' (late)' if f['late'] else ''} | {', '.join(f['students'])} |" for f in s.files]
    if s.similarity:
        lines += ["", "## Similarity (a flag for a person to read, never a grade)", "",
                  f"{s.similarity['flagged']} pair(s) flagged of {s.similarity['pairs']} with code in common: "
                  f"{s.similarity['page']}, {s.similarity['csv']}.", ""]
        lines += [f"* {p['file_a']} and {p['file_b']}: {p['share_a']:.0%} / {p['share_b']:.0%} of each in the other"
                  for p in s.similarity["top"]] or ["* none flagged"]
    if s.reports_not_drawn:
        lines += ["", "## Reports that could not be drawn (an error page instead; the grade stands)", ""]
        lines += [f"* {file}: {why}" for file, why in s.reports_not_drawn]
    if s.malformed:
        lines += ["", "## Malformed data in results (left out of their pages, which say so)", ""]
        lines += [f"* {file}: {what}" for file, what in s.malformed]
    if s.conflicts:
        lines += ["", "## Students named by more than one file", ""] + [f"* {c}" for c in s.conflicts]
    if s.unidentified:
        lines += ["", "## File names that name no student", ""] + [f"* {name}" for name in s.unidentified]
    return "\n".join(lines) + "\n"


def hand_line(hand: dict[str, Any]) -> str:
    """``By hand (20 points): 3 of 40 students graded; mean total (auto + hand so far) 71.25 / 100``."""
    return (f"By hand ({hand['max_score']:g} points): {hand['complete']} of {hand['students']} students graded; "
            f"mean total (auto + hand so far) {hand['mean_total']:.2f}")


def accounting(c: dict[str, int]) -> str:
    """``41 files: 35 graded, 3 superseded, 2 kept with a submission, 1 refused; 36 students, 4 late``."""
    return (f"{c.get('files', 0)} files: {c.get('graded', 0)} graded, {c.get('superseded', 0)} superseded, "
            f"{c.get('companions', 0)} kept with a submission, {c.get('refused', 0)} refused; "
            f"{c.get('students', 0)} students, {c.get('late', 0)} late")
