"""Grading one submission: the core that ``grade submit`` calls.

    Submission file -> Assignment -> StudentSession (child process)
        -> each RubricItem's check(ctx) -> Outcome -> rubric.score -> CheckResult
        -> GradeReport

Checks live with the hidden reference (``reference/<id>/checks.py``) and run
here, in the trusted process; they reach student code only through the
session's plain-value calls.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Collection

import numpy as np

from grader import paths
from grader.assignments import Assignment, Profile, module_name
from grader.checks.diagnostics import explain
from grader.errors import ConfigError, UsageError
from grader.report import GradeReport
from grader.rubric import CheckResult, Outcome, RubricItem, score
from grader.sandbox import ImportResult, Limits, StudentSession, SubprocessSession

MAX_SUBMISSION_BYTES = 2 * 1024 * 1024
SessionFactory = Callable[..., StudentSession]
ProgressHandler = Callable[[str, Any], None]


@dataclass
class CheckContext:
    """What a check may use. Not frozen: checks add notes as they adapt."""

    assignment: Assignment
    profile: Profile
    session: StudentSession
    imported: ImportResult
    reference: ModuleType
    data_dir: Path | None = None
    progress: ProgressHandler | None = None
    notes: list[str] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)
    """Results one check leaves for a later one (e.g. trials of a search)."""

    def rng(self, item_id: str, salt: str = "") -> np.random.Generator:
        """A generator seeded per assignment and item, with a secret salt kept in
        the reference folder: hidden instances are the same on every run but
        cannot be predicted from the public files."""
        secret = getattr(self.reference, "HIDDEN_SEED", "")
        digest = hashlib.sha256(f"{self.assignment.id}/{item_id}/{salt}/{secret}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "big"))

    def defines(self, name: str) -> bool:
        return name in self.imported.functions

    def dataset(self, name: str) -> Any:
        """The cached, verified dataset (a ``grader.datasets.LocalDataset``).

        Items that declare ``needs = [name]`` only run when it is available."""
        from grader import datasets

        found = datasets.available(name, data_dir=self.data_dir)
        if found is None:
            raise ConfigError(f"dataset {name} is not available; the rubric item should declare needs = [{name!r}]")
        return found

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def report(self, kind: str, payload: Any) -> None:
        if self.progress is not None:
            self.progress(kind, payload)


def load_module(path: Path, name: str) -> ModuleType:
    """Import a trusted course file (a reference solution or checks) by path."""
    if not path.is_file():
        raise ConfigError(f"missing {path}")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def sibling(anchor: str | Path, name: str) -> ModuleType:
    """A trusted course module next to ``anchor``, loaded once: for reference
    checks split over several files (``sibling(__file__, "solution")``)."""
    folder = Path(anchor).resolve().parent
    key = f"grader_reference_{folder.name}_{name}"
    return sys.modules.get(key) or load_module(folder / f"{name}.py", key)


def load_checks(assignment: Assignment) -> ModuleType:
    return load_module(assignment.reference_folder / "checks.py", f"grader_reference_{assignment.id}_checks")


def _import_notes(imported: ImportResult) -> list[str]:
    if imported.mode != "definitions" or imported.first_error is None:
        return []
    parts = list(dict.fromkeys(  # two statements on one line are one place to the student
        f"line {part['line']}" + (f"-{part['end_line']}" if part["end_line"] != part["line"] else "") + f" ({part['what']})"
        for part in imported.set_aside
    ))
    ranges = ", ".join(parts[:8])
    more = f" and {len(parts) - 8} more" if len(parts) > 8 else ""
    return [
        f"Importing your file failed: {explain(imported.first_error)} "
        f"The grader then imported only your definitions (imports, functions, constants) and set aside the "
        f"top-level code at {ranges}{more}. Put script code under `if __name__ == \"__main__\":` so that "
        "importing your file runs nothing."
    ]


def _read_submission(path: Path) -> str | None:
    """None if the file is fit to import; else why it is not (a graded result)."""
    size = path.stat().st_size
    if size > MAX_SUBMISSION_BYTES:
        return f"the file is {size:,} bytes; a submission may be at most {MAX_SUBMISSION_BYTES:,}"
    raw = path.read_bytes()
    if b"\x00" in raw:
        return "the file is not Python source (it contains NUL bytes: a notebook export or binary?)"
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8"
    return None


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
) -> GradeReport:
    """Grade one submission file against an assignment's rubric.

    ``only`` restricts grading to the rubric items with these ids (the report
    then covers just those). Datasets the items need are fetched first unless
    ``fetch`` is false; items whose data cannot be had are skipped, with the
    command that fixes it."""
    started = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    chosen = assignment.profile(profile)
    limits = chosen.limits or assignment.limits
    if wall_seconds is not None:
        if wall_seconds <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        limits = Limits(**{**limits.__dict__, "wall_seconds": float(wall_seconds)})
    items = [item for item in assignment.items
             if (not public_only or item.visibility == "visible") and (only is None or item.id in only)]
    checks = load_checks(assignment)
    reference = getattr(checks, "reference", checks)
    cache = paths.data_dir(data_dir)
    unfit = _read_submission(path)
    missing = _prepare_datasets(items, cache, fetch=fetch and unfit is None, progress=progress)
    notes: list[str] = []
    internal: list[str] = []
    results: list[CheckResult] = []
    stdout = ""
    if unfit is not None:
        results = [score(item, Outcome.error(unfit)) for item in items]
        notes.append(f"The submission could not be graded: {unfit}.")
    else:
        allow, deny = _file_rules(checks, chosen, cache)
        with session_factory(path, module_name=module_name(path.name), limits=limits, allow=allow, deny=deny,
                             preload=tuple(getattr(checks, "PRELOAD", ()))) as session:
            imported = session.load()
            if not imported.ok:
                assert imported.error is not None
                why = explain(imported.error)
                notes.append(f"Your file could not be imported: {why}")
                results = [score(item, Outcome.error(f"not graded: the file could not be imported ({why})"))
                           for item in items]
            else:
                notes.extend(_import_notes(imported))
                context = CheckContext(assignment=assignment, profile=chosen, session=session, imported=imported,
                                       reference=reference, data_dir=cache, progress=progress)
                context.shared["missing_datasets"] = missing
                for item in items:
                    results.append(_run_item(item, checks, context, internal))
                notes.extend(context.notes)
                notes.extend(session.notes)
        stdout = session.stdout  # complete only once the child has ended
    return GradeReport(
        assignment=assignment.id, title=assignment.title, submission=path.name, profile=chosen.name,
        profile_description=chosen.description, tests=tuple(results), manual=assignment.manual,
        execution_time=time.perf_counter() - started, notes=tuple(notes), stdout=stdout,
        internal_errors=tuple(internal),
    )


def _file_rules(checks: ModuleType, profile: Profile, cache: Path) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """What the child may not read (the course folder, the dataset cache), and
    the files a check hands over explicitly (via ``NpyFile``): the checks
    module's ``child_readable(profile, data_dir)`` names them."""
    readable = getattr(checks, "child_readable", None)
    allow = tuple(readable(profile, cache)) if readable is not None else ()
    return allow, (paths.course_dir(), cache)


def _run_item(item: RubricItem, checks: ModuleType, context: CheckContext, internal: list[str]) -> CheckResult:
    check = getattr(checks, item.check, None)
    if check is None:
        raise ConfigError(f"{context.assignment.id}: rubric item {item.id} names check {item.check!r}, "
                          "which reference checks do not define")
    context.report("item", item)
    missing = _missing_datasets(item, context)
    try:
        outcome = Outcome.skipped(missing) if missing else check(context)
    except Exception:  # a grader bug must not cost the student the other items
        trace = traceback.format_exc()
        internal.append(f"item {item.id}: {trace}")
        outcome = Outcome.error("the grader failed while checking this item (an internal error: please "
                                "report it to the course staff); it scores 0 until they look at it")
    result = score(item, outcome)
    context.report("result", result)
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
            progress("message", message)

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


def _missing_datasets(item: RubricItem, context: CheckContext) -> str | None:
    """Why an item that needs data cannot run here, with the fixing command."""
    missing = context.shared.get("missing_datasets", {})
    reasons = [missing[name] for name in item.needs if name in missing]
    return " ".join(reasons) or None
