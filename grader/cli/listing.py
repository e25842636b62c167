"""``grade list``: the assignments this course folder holds."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.assignments import Assignment, all_assignments


@click.command("list")
def list_command() -> None:
    """Show the assignments: id, title, file patterns, points, profiles (* the default), datasets."""
    Console().print(table(all_assignments()))


def table(listed: list[Assignment]) -> Table:
    """Readable at 80 columns: the short columns never wrap, and the title and the file patterns
    share the wide one, where each pattern stays whole on its line."""
    machines = sorted({p.measured_on for a in listed for p in a.profiles.values() if p.seconds is not None})
    caption = "* the default profile" + (f"; ~: how long `grade submit` of the reference solution takes, "
                                         f"measured on {', '.join(machines)}" if machines else "")
    shown = Table(title="Assignments", title_justify="left", expand=True, show_lines=True, caption=caption,
                  caption_justify="left")
    shown.add_column("assignment", ratio=1, overflow="fold")
    for column in ("points", "profiles", "datasets"):
        shown.add_column(column, no_wrap=True)
    for assignment in listed:
        manual = f"\n+ {assignment.manual_points:g} by hand" if assignment.manual else ""
        profiles = [f"{name}{'*' if name == assignment.default_profile else ''}"
                    f"{f' ~{profile.seconds:g} s' if profile.seconds is not None else ''}"
                    for name, profile in assignment.profiles.items()]
        described = Text.assemble((assignment.id, "bold"), "\n", assignment.title, "\n",
                                  (f"files: {', '.join(assignment.file_patterns)}", "dim"))
        shown.add_row(described, f"{assignment.points:g}{manual}", "\n".join(profiles),
                      "\n".join(assignment.datasets) or "-")
    return shown
