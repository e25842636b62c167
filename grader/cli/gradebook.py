"""``grade gradebook canvas OUT --roster EXPORT.csv --to IMPORT.csv``: the upload file for Canvas."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader.batch.canvas import write_canvas
from grader.reporters import files


@click.group("gradebook")
def gradebook_group() -> None:
    """Gradebook files for an LMS, from a graded batch."""


@gradebook_group.command("canvas")
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--roster", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The gradebook exported from Canvas (Grades > Export > CSV).")
@click.option("--column", default=None, metavar="'TITLE (ID)'",
              help="The roster's assignment column to fill (default: the one titled as the assignment).")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The CSV to write, for Grades > Import.")
@click.option("--missing-zero", is_flag=True, help="0 for a roster student with no submission (default: blank).")
@click.option("--partial", is_flag=True,
              help="Write the points so far for a student with items still to be graded by hand (default: blank).")
def canvas_command(out: Path, roster: Path, column: str | None, to: Path, missing_zero: bool, partial: bool) -> None:
    """Write the file Canvas's gradebook import merges into the course's own assignment column: every
    roster student (matched by ID, then SIS Login ID, then SIS User ID), auto + hand points."""
    files.check_writable(to, option="--to")
    done = write_canvas(out, roster=roster, to=to, column=column, missing_zero=missing_zero, partial=partial)
    console = Console(soft_wrap=True, highlight=False)
    console.print(f"wrote {done.path}: {done.students} roster students into {done.column!r}, {done.scored} with a "
                  f"score, {len(done.missing)} with no submission"
                  f"{' (0)' if missing_zero else ' (blank)'}, {len(done.incomplete)} not yet graded by hand"
                  f"{' (points so far)' if partial else ' (blank)' if done.incomplete else ''}", markup=False)
    if done.roster_points and done.roster_points.replace(".0", "") != f"{done.points_possible:g}":
        console.print(f"  note: the roster's column is worth {done.roster_points} points; this assignment's "
                      f"total is {done.points_possible:g}", markup=False)
    for label, names in (("no submission", done.missing), ("matches no roster student", done.unmatched),
                         ("not yet graded by hand", done.incomplete)):
        for name in names:
            console.print(f"  {label}: {name}", markup=False)
