"""The table a student sees after ``grade submit``."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.progress import Message, TrialFinished, TrialStarted
from grader.report import GradeReport

_STYLE = {"passed": "green", "partial": "yellow", "failed": "red", "error": "bold red", "skipped": "dim"}


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def render(report: GradeReport, console: Console) -> None:
    title = f"{report.title} ({report.assignment}) - {report.submission}"
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    # At 80 columns the item column is narrow: it keeps the longest word of a name (findBestHyperparameters)
    # whole instead of cutting it to "findBestHyperparame…" (with a ratio, rich takes ``width`` as the
    # least width), and folds a longer one rather than cut it.
    names = [test.name for test in report.tests] + [item.name for item in report.manual]
    longest = max((len(word) for name in names for word in name.split()), default=0)
    table.add_column("item", ratio=3, width=min(longest, 30), overflow="fold")
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("feedback", ratio=5, overflow="fold")
    for test in report.tests:
        style = _STYLE.get(test.status, "")
        table.add_row(
            escape(test.name),
            f"{_points(test.score)}/{_points(test.max_score)}",
            Text(test.status, style=style),
            escape(_first_line(test.output)),
        )
    for item in report.manual:
        table.add_row(escape(item.name), f"-/{_points(item.points)}", Text("by hand", style="dim"),
                      "graded by hand by the course staff")
    console.print(table)
    total = Text.assemble(("Total: ", "bold"), (f"{_points(report.score)} / {_points(report.max_score)}", "bold"))
    if report.manual:
        manual = sum(item.points for item in report.manual)
        total.append(f"  (+ {_points(manual)} graded by hand)")
    total.append(f"   profile: {report.profile}", style="dim")
    if report.profile_description:
        total.append(f" ({report.profile_description})", style="dim")
    total.append(f"   {report.execution_time:.1f} s", style="dim")
    console.print(total)
    if report.isolation == "namespaces":
        console.print(Text(f"Isolation: namespaces ({report.isolation_detail})", style="dim"))
    elif report.isolation == "uid":
        console.print(Text(f"Isolation: an unprivileged uid, no namespaces ({report.isolation_detail}).",
                           style="yellow"))
    elif report.isolation == "python-hook":
        console.print(Text(f"Isolation: Python audit hook only ({report.isolation_detail}). Fine for a self-check; "
                           "the course grades with namespaces.", style="yellow"))
    fixes = [test for test in report.tests if test.score < test.max_score and test.status != "skipped"]
    unimplemented = [test for test in fixes if test.not_implemented]
    if fixes and not report.imported:
        # One cause stops every item, and the Notes say it in full: name it once, not once per item.
        causes: dict[str, int] = {}
        for test in fixes:
            causes[test.output] = causes.get(test.output, 0) + 1
        lines = [Text.assemble((f"{count} item{'s' if count > 1 else ''}: ", "bold"), output)
                 for output, count in causes.items()]
        console.print(Panel(Group(*lines), title="What to fix", title_align="left", border_style="yellow"))
    elif fixes:
        lines = []
        if unimplemented:
            names = sorted({test.not_implemented for test in unimplemented if test.not_implemented})
            lines.append(Text.assemble(("Not implemented yet: ", "bold"), ", ".join(names),
                                       f" ({sum(t.max_score for t in unimplemented):g} points)"))
        for test in fixes:
            if test in unimplemented:
                continue
            lines.append(Text.assemble((f"{test.name}: ", "bold"), test.output))
            if test.hint:
                lines.append(Text(f"  -> {test.hint}", style="cyan"))
        console.print(Panel(Group(*lines), title="What to fix", title_align="left", border_style="yellow"))
    skipped: dict[str, list[str]] = {}
    for test in report.tests:
        if test.status == "skipped":
            skipped.setdefault(test.output, []).append(test.name)
    if skipped:
        lines = []
        for reason, names in skipped.items():
            lines.append(Text(", ".join(names), style="bold"))
            lines.append(Text(f"  {reason}"))
        console.print(Panel(Group(*lines), title="Not graded here", title_align="left", border_style="dim"))
    if report.notes:
        console.print(Panel(Group(*[line for note in report.notes for line in _note(note)]), title="Notes",
                            title_align="left", border_style="blue"))
    if report.internal_errors:
        console.print(Text(f"The grader hit {len(report.internal_errors)} internal error(s); the items concerned "
                           "are marked 'error'. Please report this with your file.", style="bold red"))


def _note(text: str) -> list[Text]:
    """A note's lines; those indented by four spaces are code (a syntax error's
    line and the caret under it): cut at the edge rather than wrapped, so the
    caret stays under its place."""
    return [Text(line, no_wrap=True, overflow="ellipsis") if line.startswith("    ") else Text(line)
            for line in text.split("\n")]


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _figure(name: str, value: float) -> str:
    return f"{name} {value:.2%}" if "accuracy" in name else f"{name} {value:.4f}"


def progress_line(event: Message | TrialStarted | TrialFinished) -> str:
    """One printed line for a progress event."""
    if isinstance(event, Message):
        return event.text
    if isinstance(event, TrialStarted):
        shown = ", ".join(f"{k}={v}" for k, v in event.arguments.items())
        return f"  trial {event.index + 1}: {event.function}({shown})"
    if event.problem:
        return f"  trial {event.index + 1}: {event.problem}"
    figures = ", ".join(_figure(name, value) for name, value in event.figures.items())
    return f"  trial {event.index + 1}: {event.seconds or 0:.1f} s" + (f", {figures}" if figures else "")
