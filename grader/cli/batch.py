"""``grade batch DIR --assignment ID --out DIR``: grade a class. One batch at a time
writes an --out folder (a second is refused); SIGTERM stops it as Ctrl-C does."""

from __future__ import annotations

import functools
import os
import signal
import statistics
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Column, Table

from grader import assignments
from grader.batch import BatchStarted, SubmissionGraded, grade_batch
from grader.batch.outputs import write_outputs
from grader.batch.store import locked
from grader.batch.summary import Summary, hand_line
from grader.reporters import files


def _stopped_cleanly(command: Callable[..., None]) -> Callable[..., None]:
    """SIGTERM stops the batch as Ctrl-C does: its workers and their sandboxes end at once
    (``grade_batch``), what it graded stays stored, and it says so in a line and exits with 128 + the
    signal's number."""

    @functools.wraps(command)
    def run(**options: Any) -> None:
        batch = os.getpid()
        caught: list[int] = []

        def stop(number: int, frame: object) -> None:
            if os.getpid() != batch:  # a worker between its fork and its own handlers
                os._exit(128 + number)
            if not caught:  # once: the batch is stopping already
                caught.append(number)
                raise KeyboardInterrupt

        previous = {number: signal.signal(number, stop) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            command(**options)
        except KeyboardInterrupt:
            number = caught[0] if caught else signal.SIGINT
            Console(stderr=True, soft_wrap=True).print(
                f"grade batch stopped by {signal.Signals(number).name}: what it graded is stored in {options['out']}; "
                "run the same grade batch again to grade the rest", highlight=False, markup=False)
            sys.exit(128 + number)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    return run


@click.command("batch")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--assignment", "assignment_id", required=True, help="The assignment every file in FOLDER is for.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Where results go (grades.sqlite, results/, grades.csv, summary.md); a rerun resumes there "
                   "and keeps the points graded by hand.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Parallel workers (default: the machine's cores).")
@click.option("--profile", default=None, metavar="NAME", help="The assignment's profile (default: official).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Dataset cache folder.")
@click.option("--isolation", type=click.Choice(["strict", "auto"]), default="strict", show_default=True,
              help="strict: refuse to grade without Linux namespaces; auto: the strongest available.")
@click.option("--zygote/--no-zygote", default=True, show_default=True,
              help="Fork each submission's sandboxed child from a warm one (numpy imported) instead of starting "
                   "it from nothing; every child still gets its own uid, folder and limits.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Grade on this Dask cluster's grade workers instead of local workers (pip install "
                   "'grade[cluster]'); the store, outputs and resume are the same.")
@click.option("--similarity", "similar", is_flag=True,
              help="Also compare every pair of submissions (grade similarity): similarity.csv and .html, linked "
                   "from the summary (pip install 'grade[similarity]').")
@_stopped_cleanly
def batch_command(folder: Path, assignment_id: str, out: Path, jobs: int | None, profile: str | None,
                  data_dir: Path | None, isolation: str, zygote: bool, scheduler: str | None, similar: bool) -> None:
    """Grade every submission in FOLDER (.py, notebooks, zips, folders; Canvas download names), in parallel
    and resumably; every file is accounted for."""
    from grader.sandbox import isolation as isolation_mode

    assignment = assignments.get(assignment_id)
    files.check_folder_writable(out, option="--out")
    if scheduler is None:  # on a cluster, each worker has checked its own
        isolation_mode.choose("strict" if isolation == "strict" else "auto")  # refuse before the progress bar
    click.get_current_context().with_resource(locked(out, command="grade batch"))  # until the outputs are written
    console = Console()
    times: list[float] = []
    scores: list[float] = []
    slowest: list[Any] = ["-", 0.0]
    by_worker: Counter[str] = Counter()
    failed: list[str] = []
    # At 80 columns the description stays whole and the status line gives way.
    columns = (TextColumn("[bold]{task.description}", table_column=Column(no_wrap=True)), BarColumn(bar_width=10),
               MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
               TextColumn("{task.fields[status]}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")))
    with Progress(*columns, console=console, transient=False, expand=True) as bar:
        task = bar.add_task(f"Grading {assignment.id}", total=None, status="")

        def progress(event: Any) -> None:
            if isinstance(event, BatchStarted):
                bar.update(task, total=event.total, completed=event.already,
                           status=f"{event.already} stored earlier" + ("" if scheduler else f", {event.jobs} workers"))
            elif type(event).__name__ == "ClusterReady":  # grader.batch.cluster, imported only for --scheduler
                bar.console.print(f"Cluster {event.scheduler}: {len(event.workers)} worker(s) grade: "
                                  + ", ".join(event.workers), highlight=False, markup=False)
                for name, why in event.refused:
                    bar.console.print(f"  not used: {name}: {why}", highlight=False, markup=False)
            elif isinstance(event, SubmissionGraded):
                times.append(event.seconds)
                scores.append(event.score)
                by_worker[event.worker] += 1
                if event.failed:
                    failed.append(event.file)
                if event.seconds > slowest[1]:
                    slowest[:] = [event.file, event.seconds]
                where = ("; " + ", ".join(f"{name} {count}" for name, count in sorted(by_worker.items()))
                         if scheduler else "")
                errors = f"; {len(failed)} grader failure(s)" if failed else ""
                bar.update(task, advance=1, status=f"mean {statistics.fmean(scores):.2f}/{event.max_score:g}; "
                                                   f"slowest {slowest[1]:.1f} s ({slowest[0]}){errors}{where}")

        batch = grade_batch(folder, assignment=assignment, out=out, jobs=jobs, profile=profile, data_dir=data_dir,
                            isolation=isolation, zygote=zygote, progress=progress, scheduler=scheduler)
    if similar:
        from grader.similarity import similarity

        similarity(folder, assignment, out)
    csv_path, summary, page = write_outputs(batch, out)
    render(summary, console)
    console.print(f"Wrote in {out}:", soft_wrap=True, highlight=False)  # a path is never broken
    written = [("similarity.*", "the pairs that share code (a flag to read, never a grade)")] if similar else []
    for name, what in ((csv_path.name, "the class view, not for upload (Canvas: grade gradebook canvas)"), *written,
                       ("summary.md", f"the class summary ({page.name}: with plots)"),
                       ("results/", f"{len(batch.submissions)} result JSON files"), ("reports/", "their pages")):
        console.print(f"  {name:<11} {what}", highlight=False)


def render(s: Summary, console: Console) -> None:
    console.print(f"[bold]{s.assignment}[/]: {s.submissions} submissions, {s.students} students; mean "
                  f"{s.mean:.2f} / {s.max_score:g}, median {s.median:.2f}; {s.graded_now} graded now in "
                  f"{s.seconds:.1f} s", highlight=False)
    table = Table(title="Items", title_justify="left")
    for column in ("item", "points", "passed", "mean"):
        table.add_column(column)
    for item in s.items:
        table.add_row(f"{item['id']} {item['name']}", f"{item['points']:g}", f"{item['pass_rate']:.0%}",
                      f"{item['mean']:.2f}")
    console.print(table)
    if s.mistakes:
        console.print("[bold]Most common named mistakes[/]: " + ", ".join(f"{tag} ({count})" for tag, count, _ in
                                                                       s.mistakes), highlight=False)
    if s.failing:
        console.print(f"[bold]Failing[/] ({len(s.failing)}): " + ", ".join(f for f, _ in s.failing[:10]),
                      highlight=False)
    if s.hand:
        console.print(hand_line(s.hand), highlight=False)
    if s.similarity:
        console.print(f"[bold]Similar pairs[/] ({s.similarity['flagged']} flagged, see similarity.html; a flag to "
                      "read, never a grade): " + "; ".join(f"{escape(p['file_a'])} and {escape(p['file_b'])} "
                                                         f"{max(p['share_a'], p['share_b']):.0%}"
                                                         for p in s.similarity["top"][:5]), highlight=False)
    if any(w["worker"] != "local" for w in s.workers):
        console.print("[bold]Workers[/]: " + ", ".join(f"{escape(w['worker'])} {w['graded']} in {w['seconds']:.1f} s"
                                                     for w in s.workers), highlight=False)
    console.print(s.accounting, highlight=False)
    for entry in s.files:
        if entry["status"] in ("superseded", "refused"):
            console.print(f"  {entry['status']}: {entry['file']}: {entry['reason']}", highlight=False)
    for conflict in s.conflicts:
        console.print(f"  [bold]conflict[/]: {conflict}", highlight=False)
    for file, why in s.reports_not_drawn:
        console.print(f"  [bold red]report not drawn[/]: {escape(file)}: an error page instead ({escape(why)}); "
                      "the grade stands", highlight=False)
    if s.malformed:
        files_with = sorted({file for file, _ in s.malformed})
        console.print(f"[bold]Malformed data[/] left out of {len(files_with)} report(s) (see summary.md): "
                      + ", ".join(escape(f) for f in files_with[:10]), highlight=False)
    if s.identical:
        console.print(f"[bold]Identical files[/] ({len(s.identical)} groups, each graded once): " +
                      "; ".join(", ".join(group) for group in s.identical[:5]), highlight=False)
