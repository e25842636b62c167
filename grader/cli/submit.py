"""``grade submit FILE``: grade one submission and show the result."""

from __future__ import annotations

import functools
import io
import sys
from pathlib import Path

import click
from rich.console import Console

from grader import assignments, paths, timing
from grader.grading import grade_submission
from grader.sandbox import SubprocessSession, headstart
from grader.submissions import names
from grader.cli import progress, terminal
from grader.cli.live import GradingDisplay
from grader.reporters import files, json_reporter


@click.command("submit")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--assignment", "assignment_id", help="Assignment id; detected from the file name by default.")
@click.option("--profile", default=None, metavar="NAME",
              help="How to grade: the assignment's profiles are listed by `grade list` (default: official, the "
                   "course's data and thresholds; many have quick, a documented faster self-check).")
@click.option("--json", "json_path", metavar="PATH|-", help="Write the result JSON to PATH, or to stdout with '-'.")
@click.option("--report", "report_path", type=click.Path(path_type=Path),
              help="Also save the feedback: .html for a page with the search, the test set and the gradients "
                   "drawn (plots need the report extra), else the text shown here.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Dataset cache folder.")
@click.option("--timeout", type=float, help="Time budget for the whole submission, in seconds.")
@click.option("--public-only", is_flag=True, help="Run only the checks students can see.")
@click.option("--isolation", type=click.Choice(["auto", "strict"]), default="auto", show_default=True,
              help="auto: the strongest isolation this machine offers, said in the result; strict: refuse to grade "
                   "without Linux namespaces.")
@click.option("--profile-timing", is_flag=True, help="Print where the command's time went, step by step, on stderr.")
def submit_command(file: Path, assignment_id: str | None, profile: str | None, json_path: str | None,
                   report_path: Path | None, data_dir: Path | None, timeout: float | None,
                   public_only: bool, isolation: str, profile_timing: bool) -> None:
    """Grade FILE in a sandbox and explain every lost point."""
    timing.mark("CLI imported, options parsed")
    early = headstart.take()  # the zygote ``grade`` started before importing this
    if early is not None:
        click.get_current_context().call_on_close(early.close)
    if profile_timing:
        click.get_current_context().call_on_close(timing.print_report)
    if not file.is_file():
        raise click.UsageError(f"no such file: {file}")
    click.get_current_context().with_resource(paths.course_of(file))
    assignment = (assignments.get(assignment_id) if assignment_id
                  else assignments.detect(names.python_name(file.name)))  # a notebook, a zip, a Canvas name
    if profile is not None and profile not in assignment.profiles:
        raise click.BadParameter(f"{profile!r}: {assignment.id} has the profiles "
                                 f"{', '.join(sorted(assignment.profiles))}", param_hint="'--profile'")
    if json_path not in (None, "-"):  # refused now, not after minutes of training
        files.check_writable(Path(json_path), option="--json")
    if report_path is not None:
        files.check_writable(report_path, option="--report")
    quiet = json_path == "-"
    console = Console(stderr=quiet)
    limits = assignment.profile(profile).limits or assignment.limits
    budget = timeout or limits.wall_seconds
    progress.install()  # a dataset fetched for the grading shows its download bar on a terminal
    timing.mark("manifest read, options checked")
    with GradingDisplay(console, file.name, assignment.id, budget) as display:
        report = grade_submission(file, assignment=assignment, profile=profile, public_only=public_only,
                                  wall_seconds=timeout, data_dir=data_dir, progress=display,
                                  isolation="strict" if isolation == "strict" else "auto",
                                  session_factory=functools.partial(SubprocessSession, zygotes=early))
    timing.mark("graded")
    if quiet:
        sys.stdout.write(json_reporter.dumps(report) + "\n")
    else:
        terminal.render(report, console)
        if json_path:
            json_reporter.write(report, json_path)
    timing.mark("result shown and written")
    if report_path is not None:
        if report_path.suffix.lower() in (".html", ".htm"):
            from grader.reporters import html  # the page and its plots: only when a page is asked for

            drawn = html.draw(report.to_json(), report_path)
            if drawn.failed:
                console.print(f"The report page could not be drawn ({drawn.failed}): a problem of the grader's "
                              "report, not of the grade above, which stands; an error page saying so was written "
                              "instead.", style="bold red", soft_wrap=True, highlight=False, markup=False)
            elif drawn.malformed:
                console.print(f"The report leaves out {len(drawn.malformed)} malformed part(s) of the result and "
                              "says which at its top.", style="yellow", soft_wrap=True, highlight=False)
        else:
            text = Console(record=True, file=io.StringIO(), width=120)
            terminal.render(report, text)
            files.write_text(report_path, text.export_text())
        console.print(f"Report written to {report_path.resolve()}", soft_wrap=True, highlight=False)
