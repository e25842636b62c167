"""What grade submit shows while grading: plain lines when the output is not
a terminal (a log, CI), one live panel with the trials so far on a terminal,
and the search's table left on screen afterwards."""

from __future__ import annotations

import io
import re

from rich.console import Console

from grader.cli.live import GradingDisplay
from grader.progress import ItemStarted, Message, TrialFinished, TrialStarted
from grader.rubric import RubricItem

ITEM = RubricItem(id="b.1", name="(b) findBestHyperparameters tries at least 10 settings", points=6, check="x")


def events():
    yield ItemStarted(ITEM)
    yield Message("  findBestHyperparameters on the quick subset")
    yield TrialStarted("train", 0, {"lr": 0.1, "batch": 64})
    yield TrialFinished("train", 0, 1.5, {"validation CE": 0.31, "validation accuracy": 0.912})
    yield TrialStarted("train", 1, {"lr": 5.0, "batch": 64})
    yield TrialFinished("train", 1, 0.4, {}, "train raised FloatingPointError")


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    with GradingDisplay(console, "homework6_jsmith.py", "hw6_mnist", 300) as show:
        for event in events():
            show(event)
    lines = out.getvalue().splitlines()
    assert lines == ["  findBestHyperparameters on the quick subset", "  trial 1: train(lr=0.1, batch=64)",
                     "  trial 1: 1.5 s, validation CE 0.3100, validation accuracy 91.20%",
                     "  trial 2: train(lr=5.0, batch=64)", "  trial 2: train raised FloatingPointError"]


def test_a_terminal_gets_one_live_panel_and_keeps_the_trials_table():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120, color_system=None)
    with GradingDisplay(console, "homework6_jsmith.py", "hw6_mnist", 300) as show:
        for event in events():
            show(event)
        panel = show._render()
        shown = Console(file=io.StringIO(), width=200, color_system=None)
        shown.print(panel)
        text = shown.file.getvalue()
    assert "Grading homework6_jsmith.py (hw6_mnist): (b) findBestHyperparameters" in text
    assert re.search(r"\d+ s elapsed, \d+ s of the 300 s budget left", text) and "train: trial 2" in text
    assert "91.20%" in text and "train raised FloatingPointE" in text
    after = out.getvalue()
    assert "train: trial 2" in after and "0.3100" in after  # the table stays after the live panel ends
    assert "trial 1: train(" not in after  # no scrolling lines on a terminal
