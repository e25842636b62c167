"""``grade publish ID --out DIR``: the student release of an assignment."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader import assignments
from grader.publish import publish


@click.command("publish")
@click.argument("assignment_id")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="A new folder for the release; a zip of it is written next to it.")
def publish_command(assignment_id: str, out: Path) -> None:
    """Build the student release of ASSIGNMENT_ID: stub, handout, public checks; never the reference."""
    release = publish(assignments.get(assignment_id), out)
    console = Console(highlight=False)
    console.print(f"Published {assignment_id} ({len(release.files)} files; leak check passed):")
    for where in (release.folder, release.zip):  # each path on a line of its own, never broken
        console.print(f"  {where}", soft_wrap=True)
    console.print(f"Students start from {release.stub.name} and self-check from that folder with")
    console.print(f"  grade submit {release.stub.name}", soft_wrap=True)
