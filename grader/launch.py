"""The ``grade`` command's entry point. For ``grade submit``: the command
goes to the resident server if one of this build answers (``grader.server``:
the grader already imported, the child's zygote already started); else the
sandboxed child is started first (``grader.sandbox.headstart``), so that its
interpreter and numpy load while this one imports click, rich, the manifest
and the plug-in, the click CLI (``grader.cli``) runs as usual, and a server
is left behind for the next time."""

from __future__ import annotations

import sys

from grader import timing

PROFILE_OPTION = "--profile-timing"


def main() -> None:
    if PROFILE_OPTION in sys.argv[2:]:
        timing.start()
    if sys.argv[1:2] == ["submit"]:
        from grader import server

        if server.enabled():
            from grader.server import client

            key = server.build_key()
            code = client.run(["grade", *sys.argv[1:]], key)
            if code is not None:
                sys.exit(code)
            _leave_server(sys.argv[2:], key)
        from grader.sandbox import headstart

        headstart.begin(sys.argv[2:])
    timing.mark("head start begun; importing the CLI")
    run_cli(sys.argv[1:])


def run_cli(args: list[str]) -> None:
    """The click CLI on ``args`` (it exits, as click's standalone mode does)."""
    from grader.cli import main as cli

    cli(args=args, prog_name="grade")


def _leave_server(argv: list[str], key: str) -> None:
    """Start the resident server when this command ends, if it grades a file (not for ``--help``)."""
    import atexit
    import os

    from grader import server

    if server.should_start() and not {"-h", "--help"} & set(argv) and any(os.path.isfile(word) for word in argv):
        from grader.server import client

        atexit.register(client.start_server, key)
