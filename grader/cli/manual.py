"""``grade manual template|import|status OUT``: the items graded by hand."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.batch import manual
from grader.reporters import files

_OUT = click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))


@click.group("manual")
def manual_group() -> None:
    """The items graded by hand of a graded batch (OUT: its --out folder)."""


@manual_group.command("template")
@_OUT
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV to write: a line per student and hand-graded item.")
def template_command(out: Path, to: Path) -> None:
    """Write a CSV for the TAs: a line per (student, item graded by hand), points and comment to fill in,
    and the PDF or notebook that came with the submission."""
    files.check_writable(to, option="--to")
    written = manual.template(out, to=to)
    click.echo(f"wrote {written.path}: {written.students} students x {written.items} item(s) graded by hand"
               + (f", {written.prefilled} line(s) with the points stored so far" if written.prefilled else ""))


@manual_group.command("import")
@_OUT
@click.argument("grades", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(out: Path, grades: Path) -> None:
    """Store the points of GRADES (a filled template) in OUT's store, once every line is valid, and
    rewrite OUT's results, grades.csv, summary and pages with auto + hand points."""
    done = manual.import_grades(out, grades)
    click.echo(f"stored {done.stored} hand grade(s) ({done.blank} line(s) left blank); {done.complete} of "
               f"{done.students} students have every item graded by hand")


@manual_group.command("status")
@_OUT
def status_command(out: Path) -> None:
    """Who still needs grading by hand, and for which items."""
    found = manual.status(out)
    console = Console(soft_wrap=True, highlight=False)
    console.print(f"{found.complete} of {found.students} students graded by hand; {len(found.pending)} to go")
    for pending in found.pending:
        who = ", ".join(part for part in (pending.student, pending.user_id and f"ID {pending.user_id}",
                                          pending.login) if part)
        console.print(f"  {who} ({pending.submission}): {'; '.join(pending.missing)}", markup=False)
