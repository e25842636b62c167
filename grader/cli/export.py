"""``grade export gradescope ID --out autograder.zip``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from grader import assignments


@click.group("export")
def export_group() -> None:
    """Export an assignment to a grading platform."""


@export_group.command("gradescope")
@click.argument("assignment_id")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The bundle (.zip).")
@click.option("--profile", default=None, metavar="NAME", help="The profile to grade with (default: official).")
@click.option("--isolation", type=click.Choice(["strict", "auto"]), default="strict", show_default=True,
              help="strict: isolation the kernel enforces, namespaces or (in a container that forbids them) an "
                   "unprivileged uid per child with the reference readable by root only; setup.sh fails the "
                   "image's build without either. auto: the Python guard where neither is available.")
@click.option("--hidden-visibility", type=click.Choice(["visible", "hidden", "after_due_date", "after_published"]),
              default="after_due_date", show_default=True, help="When students see the hidden items' results.")
def gradescope_command(assignment_id: str, out: Path, profile: str | None, isolation: str,
                       hidden_visibility: str) -> None:
    """Build a Gradescope autograder bundle for ASSIGNMENT_ID."""
    from grader.export.gradescope import export

    path = export(assignments.get(assignment_id), out, profile=profile, isolation=isolation,
                  hidden_visibility=hidden_visibility)
    Console().print(f"Wrote {path}: upload it as the assignment's autograder (Gradescope runs setup.sh once, then "
                    "run_autograder per submission).", highlight=False)
