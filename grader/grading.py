"""Grading one submission: the core that ``grade submit`` calls.

    Submission file -> Assignment (manifest) + LoadedPlugin (its checks, validated)
        -> StudentSession (child process) -> CheckContext (+ per-submission state)
        -> each RubricItem's check(ctx) -> Outcome -> rubric.score -> CheckResult
        -> GradeReport

Checks run here, in the trusted process; they reach student code only through
the session's plain-value calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, Collection

from grader import paths, plugin, submissions
from grader.assignments import Assignment, Profile, module_name
from grader.checks import script_globals, source
from grader.checks.diagnostics import explain, library_change, not_graded
from grader.context import CheckContext
from grader.errors import HarnessError, UsageError
from grader.plugin import LoadedPlugin
from grader.progress import ItemFinished, ItemStarted, Message, ProgressHandler
from grader.report import GradeReport, json_safe
from grader.rubric import CheckResult, Outcome, RubricItem, score
from grader.sandbox import ImportResult, Limits, StudentSession, SubprocessSession
from grader.sandbox.levels import Mode
from grader.submissions import Handed

SessionFactory = Callable[..., StudentSession]
INTERNAL = ("the grader failed while checking this item (an internal error: please report it to the course "
            "staff); it scores 0 until they look at it")
UNREADABLE = "not graded: the file could not be read as Python source (the notes say why)"
SHOWN_SET_ASIDE = 8
"""How many set-aside places the note lists before it says how many more there are."""


def _import_notes(imported: ImportResult) -> list[str]:
    """When only the definitions could be imported: why, and each place set
    aside, by line and with its code (``line 3: import torch``)."""
    if imported.mode != "definitions" or imported.first_error is None:
        return []
    places: dict[tuple[int, int, str], list[str]] = {}  # two statements on one line are one place
    for part in imported.set_aside:
        whats = places.setdefault((part.line, part.end_line, part.text), [])
        if part.what not in whats:
            whats.append(part.what)
        changed = library_change(part.text)
        if changed and changed not in whats:
            whats.append(f"it fails on the current libraries: {changed}")
    parts = [_place(*place, ", ".join(whats)) for place, whats in places.items()]
    listed = "".join(f"\n  {part}" for part in parts[:SHOWN_SET_ASIDE])
    if len(parts) > SHOWN_SET_ASIDE:
        listed += f"\n  and {len(parts) - SHOWN_SET_ASIDE} more"
    kept = "The grader then imported only your definitions (imports, functions, constants)"
    said = f"{kept} and set aside:{listed}\n" if parts else f"{kept}. "
    return [f"Importing your file failed: {explain(imported.first_error)} {said}Put script code under "
            "`if __name__ == \"__main__\":` so that importing your file runs nothing."]


def _place(line: int, end_line: int, text: str, what: str) -> str:
    """``line 3: import torch (it raised ModuleNotFoundError: ...)``, ``lines 20-24: the ... block``."""
    lines = f"lines {line}-{end_line}" if end_line != line else f"line {line}"
    return f"{lines}: {text} ({what})" if text else f"{lines}: {what}"


def _interface_notes(assignment: Assignment, imported: ImportResult) -> list[str]:
    """When a file follows another interface (an earlier version of the
    assignment), say what it lacks and what it does define."""
    expected = assignment.stub_functions()
    missing = [name for name in expected if name not in imported.functions]
    if not expected or len(missing) * 2 < len(expected):
        return []
    defined = [name for name in imported.functions if not name.startswith("_")]
    found = f"it defines {', '.join(defined[:15])}" + (" and more" if len(defined) > 15 else "") if defined else \
        "it defines no functions"
    return [f"Your file does not define {len(missing)} of the {len(expected)} functions this homework asks for "
            f"({', '.join(missing)}); {found}. It may follow another version of the assignment: the grader calls "
            "the functions named in the handout, with those names and parameters."]


def _supply_script_globals(session: StudentSession, source: str, assignment: Assignment) -> list[str]:
    """Globals the functions read but only the ``__main__`` block assigns, set
    before any check runs (``grader.checks.script_globals``), each said."""
    found = script_globals.supplied(source, assignment.stub_source())
    present = session.get(*(item.name for item in found)) if found else {}
    chosen = [item for item in found if item.name not in present]
    if chosen:
        session.set(**{item.name: item.value for item in chosen})
    return [item.note() for item in chosen]


@contextlib.contextmanager
def _graded_file(handed: Handed) -> Iterator[Path]:
    """The Python file the child imports: the handed ``.py`` itself, else the
    source the reader took from the zip, notebook or folder, written under its
    own name in a private folder (as UTF-8: a coding line it carried is
    rewritten to say so, on the same line)."""
    if handed.kind == "py" and handed.source_name == handed.path.name and not handed.rewritten:
        yield handed.path
        return
    assert handed.source is not None and handed.source_name is not None
    folder = Path(tempfile.mkdtemp(prefix="grade-handed-"))
    try:
        target = folder / Path(handed.source_name).name
        target.write_text(source.as_utf8(handed.source), encoding="utf-8")
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_LINES = re.compile(r"\b(line|lines) (\d+)(?:-(\d+))?\b")


def _placed(report: GradeReport, handed: Handed) -> GradeReport:
    """Feedback that names lines of the graded source, reworded to name where
    the student wrote them (``cell 4, line 2`` of a notebook)."""
    if handed.kind != "ipynb" and not (handed.member or "").lower().endswith(".ipynb"):
        return report

    def place(text: str) -> str:
        def one(found: re.Match[str]) -> str:
            first = handed.where(int(found.group(2)))
            return first if not found.group(3) else f"{first} to {handed.where(int(found.group(3)))}"
        return _LINES.sub(one, text)

    tests = tuple(dataclasses.replace(test, output=place(test.output), hint=place(test.hint) if test.hint else
                                      test.hint) for test in report.tests)
    own = set(handed.notes)  # the reader's notes name cells already
    return dataclasses.replace(report, tests=tests, notes=tuple(note if note in own else place(note)
                                                                for note in report.notes))


def _items(assignment: Assignment, loaded: LoadedPlugin, *, public_only: bool,
           only: Collection[str] | None) -> tuple[list[RubricItem], list[str]]:
    """The items to grade, and a note when hidden ones cannot be run here."""
    notes = []
    items = [item for item in assignment.items if only is None or item.id in only]
    hidden = [item for item in items if item.visibility == "hidden"]
    if hidden and not public_only and not loaded.has_hidden:
        points = sum(item.points for item in hidden)
        notes.append(f"This copy of the course holds only the public checks: the {len(hidden)} hidden items "
                     f"({points:g} points) run when the course grades your submission.")
    if public_only or not loaded.has_hidden:
        items = [item for item in items if item.visibility == "visible"]
    return items, notes


def grade_submission(
    path: str | Path,
    *,
    assignment: Assignment,
    profile: str | None = None,
    public_only: bool = False,
    wall_seconds: float | None = None,
    data_dir: str | Path | None = None,
    session_factory: SessionFactory = SubprocessSession,
    progress: ProgressHandler | None = None,
    only: Collection[str] | None = None,
    fetch: bool = True,
    isolation: Mode = "auto",
    keep: Path | None = None,
) -> GradeReport:
    """Grade one submission file against an assignment's rubric.

    ``only`` restricts grading to the rubric items with these ids (the report
    then covers just those); a list or tuple also sets the order in which they
    run (the report keeps the manifest's order). Datasets the items need are fetched first unless
    ``fetch`` is false; items whose data cannot be had are skipped, with the
    command that fixes it. ``isolation="strict"`` refuses to run student code
    without Linux namespaces (``IsolationUnavailable``). ``path`` may be a
    ``.py``, a notebook, a zip or a folder (``grader.submissions``); with
    ``keep``, the files that came with the source are copied there."""
    started = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise UsageError(f"no such file: {path}")
    loaded = plugin.load(assignment)  # a broken plug-in stops here, before any student code runs
    chosen = assignment.profile(profile)
    limits = chosen.limits or assignment.limits
    if wall_seconds is not None:
        if wall_seconds <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        limits = Limits(**{**limits.__dict__, "wall_seconds": float(wall_seconds)})
    items, notes = _items(assignment, loaded, public_only=public_only, only=only)
    cache = paths.data_dir(data_dir)
    handed = submissions.read(path, assignment, keep=keep)
    unfit = handed.refusal
    notes.extend(handed.notes)
    missing = _prepare_datasets(items, cache, fetch=fetch and unfit is None, progress=progress)
    internal: list[str] = []
    results: list[CheckResult] = []
    stdout = ""
    level, detail = "none", ""
    figures: dict[str, Any] = {}
    imported_ok = unfit is None
    if unfit is not None:
        results = [score(item, Outcome.error(UNREADABLE)) for item in items]
        notes.append(f"The submission could not be graded: {unfit}.")
    else:
        allow = _child_files(loaded, chosen, cache)
        deny = tuple(dict.fromkeys(p for p in (paths.course_dir(), paths.checkout_dir(), cache) if p is not None))
        with _graded_file(handed) as graded, \
                session_factory(graded, module_name=module_name(graded.name), limits=limits, allow=allow,
                                deny=deny, preload=loaded.public.preload, isolation=isolation) as session:
            try:
                imported = session.load()
            except HarnessError as exc:
                internal.append(f"import: {exc}")
                imported = ImportResult(ok=False, mode="plain")
            imported_ok = imported.ok
            if not imported.ok:  # said in full once, in the notes; each item only names the cause
                why = explain(imported.error) if imported.error is not None else INTERNAL
                notes.append(f"Your file could not be imported: {why}")
                results = [score(item, Outcome.error(not_graded(imported.error))) for item in items]
            else:
                notes.extend(_import_notes(imported))
                notes.extend(_interface_notes(assignment, imported))
                notes.extend(_supply_script_globals(session, handed.source or "", assignment))
                context = CheckContext(assignment=assignment, profile=chosen, plugin=loaded, session=session,
                                       imported=imported, data_dir=cache, missing_datasets=missing,
                                       progress=progress, source=handed.source or "")
                order = list(only) if isinstance(only, (list, tuple)) else [item.id for item in items]
                done = {item.id: _run_item(item, loaded, context, internal)
                        for item in sorted(items, key=lambda item: order.index(item.id))}
                results = [done[item.id] for item in items]
                notes.extend(context.notes)
                notes.extend(session.notes)
                figures = json_safe(context.figures)
            level, detail = session.isolation, session.isolation_detail  # as the child really ran
        stdout = session.stdout  # complete only once the child has ended
    return _placed(GradeReport(
        assignment=assignment.id, title=assignment.title, submission=path.name, profile=chosen.name,
        profile_description=chosen.summary, tests=tuple(results), manual=assignment.manual,
        execution_time=time.perf_counter() - started, notes=tuple(notes), stdout=stdout,
        internal_errors=tuple(internal), isolation=level, isolation_detail=detail, imported=imported_ok,
        figures=figures, handed=_handed_json(handed),
    ), handed)


def _handed_json(handed: Handed) -> dict[str, Any]:
    """What the result says of the handed file: how it was read, which file
    was graded, and the files that came with it (the PDF, for the hand-graded
    items)."""
    return {"kind": handed.kind, "graded": handed.member or handed.source_name,
            "companions": [{"name": c.name, "size": c.size, **({"kept": str(c.kept)} if c.kept else {})}
                           for c in handed.companions]}


def _child_files(loaded: LoadedPlugin, profile: Profile, cache: Path) -> tuple[Path, ...]:
    """The data files a check hands over (via ``NpyFile``): the only files of
    the dataset cache the child may read."""
    files = loaded.public.child_files
    return tuple(files(profile, loaded.settings[profile.name], cache)) if files is not None else ()


def _run_item(item: RubricItem, loaded: LoadedPlugin, context: CheckContext, internal: list[str]) -> CheckResult:
    context.report(ItemStarted(item))
    reasons = [context.missing_datasets[name] for name in item.needs if name in context.missing_datasets]
    try:
        outcome = Outcome.skipped(" ".join(reasons)) if reasons else loaded.check(item.check)(context)
    except Exception:  # a grader bug must not cost the student the other items
        internal.append(f"item {item.id}: {traceback.format_exc()}")
        outcome = Outcome.error(INTERNAL)
    result = score(item, outcome, adaptation_penalty=context.assignment.adaptation_penalty)
    context.report(ItemFinished(result))
    return result


def _prepare_datasets(items: list[RubricItem], cache: Path, *, fetch: bool,
                      progress: ProgressHandler | None) -> dict[str, str]:
    """Make the datasets the items need present (fetching them if allowed);
    return, for each that cannot be had, why and the command that fixes it."""
    needed = sorted({name for item in items for name in item.needs})
    if not needed:
        return {}
    from grader import datasets
    from grader.errors import DatasetError

    def notify(message: str) -> None:
        if progress is not None:
            progress(Message(message))

    missing = {}
    for name in needed:
        if datasets.available(name, data_dir=cache) is not None:
            continue
        if not fetch:
            missing[name] = datasets.missing_reason(name, data_dir=cache)
            continue
        notify(f"Fetching the {name} dataset into {cache} (once; later runs use the cache)")
        try:
            datasets.ensure(name, data_dir=cache, mirror=paths.mirror(), progress=progress is not None,
                            notify=notify)
        except DatasetError as exc:
            missing[name] = f"the {name} dataset could not be had: {exc}"
    return missing
