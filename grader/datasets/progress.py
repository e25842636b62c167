"""Progress reporting for downloads, kept behind a small protocol so the core
needs no terminal library: :class:`NullProgress` for tests and quiet runs,
:class:`RichProgress` (rich imported only when one is made) for people."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import TaskID


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


class RichProgress:
    """A rich bar on stderr: file name, bytes, rate and ETA."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as _RichBar

        self._bar = _RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task: TaskID | None = None
        self._started = False

    def start(self, label: str, total: int | None, completed: int) -> None:
        if not self._started:
            self._bar.start()
            self._started = True
        self._task = self._bar.add_task(label, total=total, completed=completed)

    def advance(self, nbytes: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, nbytes)

    def restart(self) -> None:
        if self._task is not None:
            self._bar.reset(self._task)

    def stop(self) -> None:
        if self._started:
            self._bar.stop()
            self._started = False


def default_progress(enabled: bool) -> Progress:
    """A rich bar when asked for and stderr is a terminal, else nothing."""
    if enabled and sys.stderr.isatty():
        return RichProgress()
    return NullProgress()
