"""What a batch writes: one result JSON per submission, ``grades.csv`` (the
class view), a summary of the class and the HTML pages. Once points graded by
hand are stored (``grade manual import``), each of them shows auto + hand.

``grades.csv`` is a class view, **not for upload to Canvas**: its total is
headed with the assignment's title and each rubric item has a column, so
Canvas's importer would create a new assignment for each. The upload file is
``grade gradebook canvas`` (``grader.batch.canvas``), which writes into the
course's own column. A team file gives a row per member; a student is in one
row however many files name them (``rows``).

A student's page that cannot be drawn is an error page (the grade stands),
and what pages could not draw or read is said in the summary, so one
submission's result never stops the batch's reports.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.batch.hand import HandGrade, hand_grade
from grader.batch.runner import Batch, Submission
from grader.identity import canvas_ids
from grader.reporters import html

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
LATE = "Late"
"""The last column: ``late`` for a Canvas download marked LATE (skip it in Canvas's import preview)."""


def result_for(batch: Batch, submission: Submission) -> dict[str, Any]:
    """The stored result, as this file's own (an identical copy shares the grade),
    with the points graded by hand once there are any (``hand_score``,
    ``total_score``; ``manual_by_student`` when a team's members differ)."""
    stored = batch.store.get(submission.digest)
    assert stored is not None, submission.path
    result = {**stored.result, "submission": submission.path.name, "students": list(submission.students),
              "late": submission.late, **({"canvas_user_id": submission.user_id} if submission.user_id else {})}
    if not batch.assignment.manual:
        return result
    grades = batch.store.manual()
    hands = {row.key: hand_grade(batch.assignment, grades, row.key, row.aliases) for row in rows(batch)[0]
             if row.submission == submission}  # the students this file grades (not those graded by their own)
    if not any(hand.started for hand in hands.values()):
        return result
    if len(set(hands.values())) > 1:
        result["manual_by_student"] = {key.split(":", 1)[1]: _manual(hand) for key, hand in hands.items()}
        return result
    hand = next(iter(hands.values()))
    score = float(result.get("score", 0))
    return {**result, "manual": _manual(hand), "auto_score": score, "hand_score": hand.score,
            "hand_complete": hand.complete, "total_score": score + hand.score,
            "total_max_score": float(result.get("max_score", 0)) + hand.max_score}


def _manual(hand: HandGrade) -> list[dict[str, Any]]:
    return [{"name": item.name, "max_score": item.max_score,
             **({"score": item.points, "comment": item.comment} if item.points is not None else {})}
            for item in hand.items]


def hand_of(batch: Batch, row: Row) -> HandGrade:
    """The items graded by hand of one gradebook row."""
    return hand_grade(batch.assignment, batch.store.manual(), row.key, row.aliases)


def _people(submission: Submission, ids: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    """(row key, login, Canvas user id) of each student a submission names: a solo Canvas file's
    uploader, else the Canvas user another file ties the login to (``ids``), else the login."""
    logins = submission.students
    people: list[tuple[str | None, str | None]] = [
        (login, submission.user_id if len(logins) == 1 and submission.user_id else ids.get(login))
        for login in logins] or [(None, submission.user_id)]
    return [(f"id:{user_id}" if user_id else f"login:{login}" if login else f"file:{submission.path.name}",
             login, user_id) for login, user_id in people]


@dataclass(frozen=True)
class Row:
    """One student's gradebook row: who, and the submission that grades them."""

    student: str
    user_id: str
    login: str
    submission: Submission
    key: str = ""
    """``id:<Canvas user id>``, else ``login:<login>``, else ``file:<file name>``: what hand points are stored by,
    the same in every command."""
    aliases: tuple[str, ...] = ()
    """The student's ``login:`` key when ``key`` is their Canvas id: hand points stored before a file tied the two."""


_WHY = ("their own file (Canvas says they uploaded it, and its name gives them alone)",
        "their own file (its name gives them alone)",
        "the first team file in the folder that lists them (no file of their own is here: check which team they "
        "were in)")
"""Why the file that grades a student named by several does, best first (``_rank``)."""


def _rank(submission: Submission, user_id: str | None) -> int:
    if len(submission.students) <= 1:
        return 0 if user_id and submission.user_id == user_id else 1
    return 2


def rows(batch: Batch) -> tuple[list[Row], list[str]]:
    """A row per student, never two. A student is their Canvas user id where a file ties their login
    to one (``identity.canvas_ids``: a classmate's team file listing them meets their own Canvas file),
    else their login, else the file. Of the graded files naming one student, their own grades them (one
    Canvas says they uploaded before one whose name merely gives them alone), else the first team file
    listing them. Returns the rows and the conflicts for the instructor: who, which files, which one
    grades them and why; and each login that files of several Canvas users give."""
    named = canvas_ids((entry.file, entry.students, entry.user_id) for entry in batch.accounted)
    ids = {login: next(iter(users)) for login, users in named.items() if len(users) == 1}
    names = {s.user_id: s.sortable_name for s in batch.submissions
             if s.user_id and s.sortable_name and len(s.students) <= 1}
    chosen: dict[str, tuple[int, Row]] = {}
    naming: dict[str, list[str]] = {}
    for submission in batch.submissions:
        for key, login, user_id in _people(submission, ids):
            if submission.path.name in naming.get(key, ()):
                continue  # two of its logins are one Canvas user
            row = Row(names.get(user_id or "") or login or submission.path.stem, user_id or "", login or "",
                      submission, key, (f"login:{login}",) if user_id and login else ())
            naming.setdefault(key, []).append(submission.path.name)
            rank = _rank(submission, user_id)
            if key not in chosen or rank < chosen[key][0]:
                chosen[key] = (rank, row)
    conflicts = []
    for key, files in naming.items():
        if len(files) > 1:
            rank, row = chosen[key]
            who = f"{row.login} (ID {row.user_id})" if row.login and row.user_id else row.login or row.student
            graded = row.submission.path.name
            conflicts.append(f"{who} is named by {len(files)} graded files ({', '.join(files)}): graded by {graded}, "
                             f"{_WHY[rank]}; not by {', '.join(file for file in files if file != graded)}")
    for login, users in named.items():
        if len(users) > 1:
            said = "; ".join(f"ID {user_id}: {', '.join(files)}" for user_id, files in users.items())
            conflicts.append(f"{login} is the login in the files of {len(users)} Canvas users ({said}): a row "
                             f"per ID, and a team file listing {login} is tied to none of them")
    return [row for _, row in chosen.values()], conflicts


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
    """``grades.csv``, the class view (not for upload: see the module's
    docstring): a row per student (per file when a name gives no student). With
    items graded by hand, the total is auto + the hand points entered so far,
    and each hand item has a ``by hand: <name>`` column (blank: not graded yet)."""
    items = batch.assignment.items
    manual = batch.assignment.manual
    target = out / "grades.csv"
    partial = target.with_name(".grades.csv.partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CANVAS_IDENTITY, batch.assignment.title, *[f"{item.id} {item.name}" for item in items],
                         *[f"by hand: {item.name}" for item in manual], LATE])
        writer.writerow(["Points Possible", "", "", "", "",
                         _points(batch.assignment.points + batch.assignment.manual_points),
                         *[_points(item.points) for item in items], *[_points(item.points) for item in manual], ""])
        for row in rows(batch)[0]:
            result = result_for(batch, row.submission)
            scores = {test.get("number"): test.get("score", 0) for test in result.get("tests", [])}
            hand = hand_of(batch, row)
            writer.writerow([row.student, row.user_id, "", row.login, "",
                             _points(float(result.get("score", 0)) + hand.score),
                             *[_points(float(scores.get(item.id, 0))) for item in items],
                             *["" if item.points is None else _points(item.points) for item in hand.items],
                             "late" if row.submission.late else ""])
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


def write_outputs(batch: Batch, out: Path) -> tuple[Path, Summary, Path]:
    """Everything a batch writes from its store: results, ``grades.csv``, the
    summary and the pages. Returns the CSV, the summary and the summary page."""
    write_results(batch, out)
    csv_path = write_csv(batch, out)
    summary, page = _write_pages(batch, summarise(batch), out)
    write_summary(summary, out)
    return csv_path, summary, page


def accounting(c: dict[str, int]) -> str:
    """``41 files: 35 graded, 3 superseded, 2 kept with a submission, 1 refused; 36 students, 4 late``."""
    return (f"{c.get('files', 0)} files: {c.get('graded', 0)} graded, {c.get('superseded', 0)} superseded, "
            f"{c.get('companions', 0)} kept with a submission, {c.get('refused', 0)} refused; "
            f"{c.get('students', 0)} students, {c.get('late', 0)} late")
