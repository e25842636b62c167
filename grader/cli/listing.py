"""``grade list``: the assignments this course folder holds."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from grader.assignments import all_assignments


@click.command("list")
def list_command() -> None:
    """Show the assignments: id, title, points, profiles (* the default), datasets, file pattern."""
    table = Table(title="Assignments", title_justify="left", expand=True)
    table.add_column("id", no_wrap=True)
    table.add_column("title", ratio=2)
    table.add_column("points", no_wrap=True)
    table.add_column("profiles", no_wrap=True)
    table.add_column("datasets", no_wrap=True)
    table.add_column("file pattern", overflow="fold", ratio=2)
    for assignment in all_assignments():
        manual = f" + {assignment.manual_points:g} by hand" if assignment.manual else ""
        profiles = [f"{name}*" if name == assignment.default_profile else name for name in assignment.profiles]
        table.add_row(assignment.id, assignment.title, f"{assignment.points:g}{manual}", "\n".join(profiles),
                      ", ".join(assignment.datasets) or "-", "\n".join(assignment.file_patterns))
    Console().print(table)
