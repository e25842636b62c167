"""``grade server status|stop``: the resident ``grade submit`` server (``grader.server``)."""

from __future__ import annotations

import time

import click
from rich.console import Console

from grader import server


@click.group("server")
def server_group() -> None:
    """The background server that makes a repeated `grade submit` start in a blink (GRADER_SERVER=off: none)."""


@server_group.command("status")
def status_command() -> None:
    """Show this user's servers: pid, age, idle limit, and whether it serves the installed grader."""
    console = Console(soft_wrap=True, highlight=False)
    found = server.running()
    if not found:
        state = "off (GRADER_SERVER=off)" if not server.enabled() else "none running; the next `grade submit` starts one"
        console.print(f"resident server: {state}")
        return
    for info in found:
        age = time.time() - float(info.get("started", time.time()))  # type: ignore[arg-type]
        which = "this build" if info["current"] else "an older build (ends when idle)"
        console.print(f"resident server: pid {info['pid']}, up {age:.0f} s, ends after {info.get('idle_seconds')} s "
                      f"idle, {which}; socket {info.get('socket')}")


@server_group.command("stop")
def stop_command() -> None:
    """End this user's servers now (the next `grade submit` starts afresh)."""
    stopped = server.stop()
    Console(soft_wrap=True, highlight=False).print(
        f"stopped {len(stopped)} resident server(s)" if stopped else "no resident server was running")
