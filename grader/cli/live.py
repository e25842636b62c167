"""What ``grade submit`` shows while grading runs: on a terminal, one live
panel (the item being graded, each search trial as it arrives with its
setting and the grader's figures, elapsed time and the budget left); when
output is not a terminal (a log, CI), plain lines, one per event."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from grader.cli import terminal
from grader.progress import ItemStarted, Message, ProgressEvent, TrialFinished, TrialStarted

SHOWN_TRIALS = 12
"""Trials the live table keeps on screen (the latest)."""


class GradingDisplay:
    """A progress handler and a context manager: ``with GradingDisplay(...) as show: grade(progress=show)``."""

    def __init__(self, console: Console, file: str, assignment: str, budget: float | None) -> None:
        self.console = console
        self.file, self.assignment, self.budget = file, assignment, budget
        self.started = time.monotonic()
        self.item = ""
        self.trials: dict[int, dict[str, Any]] = {}
        self.function = ""
        self.messages: list[str] = []
        self.live = Live(console=console, refresh_per_second=4, transient=True, get_renderable=self._render) \
            if console.is_terminal else None

    def __enter__(self) -> GradingDisplay:
        if self.live is not None:
            self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.stop()
            if self.trials:  # the search stays on screen above the result
                self.console.print(self._trials_table(every=True))

    def __call__(self, event: ProgressEvent) -> None:
        if isinstance(event, ItemStarted):
            self.item = event.item.name
        elif isinstance(event, TrialStarted):
            self.function = event.function
            self.trials[event.index] = {"setting": dict(event.arguments), "seconds": None, "figures": {},
                                        "problem": None}
        elif isinstance(event, TrialFinished):
            trial = self.trials.setdefault(event.index, {"setting": {}, "figures": {}, "problem": None})
            trial.update(seconds=event.seconds, figures=dict(event.figures), problem=event.problem)
        if self.live is None:
            if isinstance(event, (Message, TrialStarted, TrialFinished)):
                self.console.print(terminal.progress_line(event), highlight=False)
        elif isinstance(event, Message):
            self.messages = (self.messages + [event.text])[-3:]

    def _render(self) -> Group:
        elapsed = time.monotonic() - self.started
        budget = f", {max(0.0, self.budget - elapsed):.0f} s of the {self.budget:.0f} s budget left" \
            if self.budget else ""
        head = Spinner("dots", Text.assemble((f"Grading {self.file} ({self.assignment})", "bold"),
                                             f": {self.item}   {elapsed:.0f} s elapsed{budget}"))
        parts: list[Any] = [head]
        parts += [Text(f"  {line}", style="dim") for line in self.messages]
        if self.trials:
            parts.append(self._trials_table(every=False))
        return Group(*parts)

    def _trials_table(self, *, every: bool) -> Table:
        indices = sorted(self.trials)
        shown = indices if every else indices[-SHOWN_TRIALS:]
        keys = list(dict.fromkeys(k for i in shown for k in self.trials[i]["setting"]))
        measures = list(dict.fromkeys(k for i in shown for k in self.trials[i]["figures"]))
        title = f"{self.function}: trial {len(indices)}" + ("" if every or len(shown) == len(indices) else
                                                             f" (the last {len(shown)} shown)")
        table = Table(title=title, title_justify="left", expand=False)
        for column in ["trial", *keys, *measures, "time"]:
            table.add_column(column, justify="right")
        for i in shown:
            t = self.trials[i]
            cells = [str(i + 1)] + [_cell(t["setting"].get(k)) for k in keys]
            if t.get("problem"):
                cells += [str(t["problem"])[:40]] + [""] * (len(measures) - 1) if measures else []
            else:
                cells += [_figure(m, t["figures"].get(m)) for m in measures]
            cells.append("running..." if t.get("seconds") is None and not t["figures"] and not t.get("problem")
                         else f"{t.get('seconds') or 0:.1f} s")
            table.add_row(*cells)
        return table


def _cell(value: Any) -> str:
    return "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))


def _figure(name: str, value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.2%}" if "accuracy" in name else f"{value:.4f}"
