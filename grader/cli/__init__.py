"""The ``grade`` command line: a thin click layer over the core.

Only modules in this package import click and rich. Each command parses its
options, calls one core function and hands the result to a reporter.
``GraderError`` is caught here, in one place, and mapped to its exit code.
"""

from __future__ import annotations

import importlib
import sys

import click
from rich.console import Console

from grader import __version__
from grader.errors import GraderError


_COMMANDS = {
    "list": ("grader.cli.listing", "list_command"),
    "submit": ("grader.cli.submit", "submit_command"),
    "datasets": ("grader.cli.datasets", "datasets_group"),
    "batch": ("grader.cli.batch", "batch_command"),
    "publish": ("grader.cli.publish", "publish_command"),
    "export": ("grader.cli.export", "export_group"),
    "report": ("grader.cli.report", "report_command"),
    "manual": ("grader.cli.manual", "manual_group"),
    "gradebook": ("grader.cli.gradebook", "gradebook_group"),
    "worker": ("grader.cli.worker", "worker_command"),
    "similarity": ("grader.cli.similarity", "similarity_command"),
    "server": ("grader.cli.server", "server_group"),
}


class _GraderGroup(click.Group):
    """A click group that turns ``GraderError`` into a message and exit code.

    Commands are imported when used, so ``grade submit`` does not pay for the
    download stack (requests) that only ``grade datasets`` needs.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _COMMANDS:
            module, attribute = _COMMANDS[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except GraderError as exc:  # one line, whole: paths in it are never broken
            Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {exc}", highlight=False)
            sys.exit(exc.exit_code)


@click.group(cls=_GraderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Grade numpy deep-learning homework in a sandbox, with feedback."""

