"""``grade similarity DIR --assignment ID --out OUT``: the pairs of a class's submissions that
share code beyond the stub, for a person to read (never a grade)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader import assignments
from grader.batch.store import locked
from grader.reporters import files
from grader.similarity import THRESHOLD, Written, similarity

SHOWN = 10


@click.command("similarity")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--assignment", "assignment_id", required=True, help="The assignment every file in FOLDER is for.")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Where similarity.csv and similarity.html go (a batch's --out folder: its database caches the "
                   "tokenised files).")
@click.option("--archive", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Earlier terms' files: each compared with the class, not with each other.")
@click.option("--boilerplate", type=click.Path(dir_okay=False, exists=True, path_type=Path), multiple=True,
              help="More code every student received (an older template): it never counts. The stub always "
                   "is.")
@click.option("--threshold", type=float, default=THRESHOLD, show_default=True,
              help="The share from which a pair is flagged on the page.")
def similarity_command(folder: Path, assignment_id: str, out: Path, archive: Path | None,
                       boilerplate: tuple[Path, ...], threshold: float) -> None:
    """Compare every pair of submissions in FOLDER (read as grade batch reads them) and write the pairs that
    share code beyond the stub: a flag for a person to read, never a grade."""
    assignment = assignments.get(assignment_id)
    files.check_folder_writable(out, option="--out")
    with locked(out, command="grade similarity"):
        written = similarity(folder, assignment, out, archive=archive, boilerplate=boilerplate, threshold=threshold)
    render(written, Console(soft_wrap=True))


def render(written: Written, console: Console) -> None:
    result = written.result
    flagged = result.flagged
    console.print(f"[bold]{escape(result.assignment)}[/]: {len(result.entries)} files compared in "
                  f"{result.seconds:.1f} s ({result.tokenised} tokenised now, the rest cached); {len(flagged)} "
                  f"pair(s) flagged (a share of {result.threshold:.0%} or more), {len(result.pairs)} with code in "
                  "common", highlight=False)
    if flagged:
        table = Table("#", "file", "other file", "its share", "other's share", "in common", title="Most similar",
                      title_justify="left")
        for rank, pair in enumerate(flagged[:SHOWN], 1):
            table.add_row(str(rank), escape(pair.a.label), escape(pair.b.label), f"{pair.share_a:.0%}",
                          f"{pair.share_b:.0%}", str(pair.overlap))
        console.print(table)
    for file, why in result.not_compared:
        console.print(f"  not compared: {escape(file)}: {escape(why)}", highlight=False)
    console.print("A flag for a person to read, never a grade: read both files before concluding anything.",
                  highlight=False)
    console.print(f"Wrote {written.csv} and {written.page}", highlight=False)
