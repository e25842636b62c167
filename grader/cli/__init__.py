"""The ``grade`` command line: a thin click layer over the core.

Only modules in this package import click and rich. Each command parses its
options, calls one core function and hands the result to a reporter.
``GraderError`` is caught here, in one place, and mapped to its exit code.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console

from grader import __version__
from grader.errors import GraderError


class _GraderGroup(click.Group):
    """A click group that turns ``GraderError`` into a message and exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GraderError as exc:
            Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
            sys.exit(exc.exit_code)


@click.group(cls=_GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Grade numpy deep-learning homework in a sandbox, with feedback."""


def _register() -> None:
    from grader.cli import datasets, listing, submit

    main.add_command(listing.list_command)
    main.add_command(submit.submit_command)
    main.add_command(datasets.datasets_group)


_register()
