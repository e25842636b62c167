"""Progress reporting for downloads, kept behind a small protocol so the core
needs no terminal library: :class:`NullProgress` for tests and quiet runs, and
for people the bar the CLI installs (``install_bar``: its rich bar,
``grader.cli.progress``). Without the CLI there is no bar."""

from __future__ import annotations

import sys
from typing import Callable, Protocol


class Progress(Protocol):
    """``start`` once per file, ``advance`` as bytes arrive, ``stop`` once at the end."""

    def start(self, label: str, total: int | None, completed: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def restart(self) -> None:
        """The bytes so far are being thrown away (a server ignored Range)."""

    def stop(self) -> None: ...


class NullProgress:
    def start(self, label: str, total: int | None, completed: int) -> None:
        pass

    def advance(self, nbytes: int) -> None:
        pass

    def restart(self) -> None:
        pass

    def stop(self) -> None:
        pass


_BAR: Callable[[], Progress] | None = None
"""What ``default_progress`` makes for a person at a terminal: the CLI installs its bar."""


def install_bar(make: Callable[[], Progress] | None) -> None:
    """Make ``make`` the bar ``default_progress`` gives when asked for one (None: no bar)."""
    global _BAR
    _BAR = make


def default_progress(enabled: bool) -> Progress:
    """The installed bar when asked for and stderr is a terminal, else nothing."""
    if enabled and _BAR is not None and sys.stderr.isatty():
        return _BAR()
    return NullProgress()
