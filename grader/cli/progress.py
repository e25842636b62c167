"""The download bar people see (``grade datasets fetch``, and a dataset ``grade submit``
fetches), kept here because only the CLI imports rich: ``install`` makes it the bar the core's
``default_progress`` gives on a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.datasets.progress import install_bar

if TYPE_CHECKING:
    from rich.progress import TaskID


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


def install() -> None:
    """A dataset the core fetches with ``progress=True`` shows this bar on a terminal."""
    install_bar(RichProgress)
