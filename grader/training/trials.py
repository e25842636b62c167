"""Recording a hyperparameter search as it runs: the search function is called
once with its training function spied on, so every training call (a trial)
arrives live with its settings (scalar arguments and the module's scalar
globals) and what it returned. The grader reads and evaluates each trial with
its own code as it arrives, reports progress, and keeps the trials for the
items that judge the search (how many settings, the choice, the data used).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from grader.checks.coerce import quoted
from grader.checks.diagnostics import call_failed
from grader.checks.signature import DATA_ROLES, CallPlan, role
from grader.progress import TrialFinished, TrialStarted
from grader.rubric import Outcome
from grader.sandbox.budgets import EVENT_BYTES, SPIED_CALLS
from grader.sandbox.session import Event, Signature

if TYPE_CHECKING:
    from grader.context import CheckContext

Reader = Callable[[Any], "tuple[Any, str | None]"]
"""``read(returned) -> (what the grader makes of it, or None; a note or why not)``."""
Evaluator = Callable[[Any], Mapping[str, float]]
"""``evaluate(read value) -> figures`` (e.g. validation CE and accuracy)."""

DATA_GLOBALS: dict[str, tuple[str, ...]] = {
    "trainX": ("trainX", "X_train", "Xtrain", "train_X"),
    "trainY": ("trainY", "Y_train", "y_train", "Ytrain", "train_Y"),
    "valX": ("valX", "X_val", "Xval", "val_X", "validationX"),
    "valY": ("valY", "Y_val", "y_val", "Yval", "val_Y", "validationY"),
}
"""Module globals a search without data arguments may read its data from."""


@dataclass
class Trial:
    """One spied training call, filled in as its events arrive."""

    index: int
    arguments: dict[str, Any]
    """Scalar arguments by the student's parameter names."""
    globals: dict[str, Any]
    """The module's scalar globals at the call."""
    train_examples: int | None
    seconds: float | None = None
    result: Any = None
    """The grader's reading of what the call returned (None: unusable)."""
    figures: dict[str, float] = field(default_factory=dict)
    problem: str | None = None
    setting: dict[str, Any] = field(default_factory=dict)
    """What distinguishes this trial: its arguments plus the globals that vary."""

    @property
    def completed(self) -> bool:
        return self.result is not None

    def label(self) -> str:
        shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.setting.items())
        return f"trial {self.index + 1} ({shown or 'no visible hyperparameters'})"


@dataclass(frozen=True)
class SearchRecord:
    function: str | None
    trials: tuple[Trial, ...]
    returned: Any = None
    ok: bool = False
    problem: Outcome | None = None
    """Set when the search could not be run at all (then there are no trials)."""
    stopped: str | None = None
    """Why the search ended early (an error, the time budget), with trials kept."""
    seconds: float = 0.0
    records: Mapping[str, Any] = field(default_factory=dict)
    """What the child's stand-ins recorded during the search (``wandb``: its runs)."""

    @property
    def completed(self) -> list[Trial]:
        return [t for t in self.trials if t.completed]


def scalar(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool, np.integer, np.floating)) and not isinstance(value, np.ndarray)


def _examples(value: Any, features: int) -> int | None:
    """How many examples a data argument holds, from its shape summary."""
    shape = value.get("shape") if isinstance(value, dict) else getattr(value, "shape", None)
    if shape is None or features not in shape or len(shape) != 2:
        return None
    rest = [n for n in shape if n != features]
    return int(rest[0]) if rest else features


def trial_from_call(index: int, value: Any, params: Signature | None, features: int) -> Trial:
    value = value if isinstance(value, dict) else {}
    names = [p.name for p in params or () if p.positional]
    arguments, examples = {}, None
    for i, arg in enumerate(value.get("args", [])):
        name = names[i] if i < len(names) else f"arg{i + 1}"
        examples = examples if examples is not None else _examples(arg, features)
        if scalar(arg):
            arguments[name] = arg
    for name, arg in (value.get("kwargs") or {}).items():
        if role(name) == "trainX" or examples is None:
            examples = _examples(arg, features) if _examples(arg, features) is not None else examples
        if scalar(arg):
            arguments[name] = arg
    found = value.get("globals") or {}
    return Trial(index, arguments, dict(found) if isinstance(found, dict) else {}, examples)


def data_globals(plan: CallPlan, values: Mapping[str, Any]) -> dict[str, Any]:
    """For a search that takes no data arguments (it read them from globals its
    script code loaded): the data under the usual global names; else nothing."""
    if any(r in plan.used for r in DATA_ROLES):
        return {}
    return {name: values[r] for r, names in DATA_GLOBALS.items() for name in names}


def record_search(ctx: CheckContext, function: str, *, spied: str, plan: CallPlan, read: Reader,
                  evaluate: Evaluator, features: int, with_globals: Mapping[str, Any] | None = None,
                  expected: str = "", graded_on: str = "the search is graded on those") -> SearchRecord:
    """Call ``function`` once with ``spied`` spied on, in a fresh process and
    working folder; each trial is read and evaluated as it arrives (progress
    events say so). The call may run until the submission's time budget
    ends, or until ``SPIED_CALLS`` trials; completed trials are kept."""
    params = ctx.signature(spied)
    trials: list[Trial] = []
    by_index: dict[int, Trial] = {}

    def on_event(event: Event) -> None:
        if event.function != spied:
            return
        if event.event == "spy_call":
            if event.index in by_index:
                return  # a forged report of a call already made
            trials.append(trial_from_call(event.index, event.value, params, features))
            by_index[event.index] = trials[-1]
            ctx.report(TrialStarted(spied, event.index, dict(trials[-1].arguments)))
            return
        trial = by_index.get(event.index)
        if trial is None or trial.seconds is not None or trial.problem is not None:
            return
        trial.seconds = event.seconds
        if event.event == "spy_raise":
            trial.problem = f"{spied} raised {event.error.exc_type if event.error else 'an error'}"
        else:
            trial.result, note = read(event.value)
            if trial.result is None:
                trial.problem = note
            else:
                trial.figures = dict(evaluate(trial.result))
        ctx.report(TrialFinished(spied, event.index, trial.seconds, dict(trial.figures), trial.problem))

    started = time.perf_counter()
    ctx.session.fresh()  # nothing an earlier check's calls left in memory or on disk reaches the search
    result = ctx.session.call(function, *plan.args, spy=(spied,), timeout=1e9, on_event=on_event,
                              with_globals=with_globals, **plan.kwargs)
    stopped, problem = None, None
    if not result.ok:
        assert result.error is not None
        done = sum(1 for t in trials if t.completed)
        if result.error.kind == "budget":
            stopped = f"the time budget ran out during {function}, after {done} completed trial(s); {graded_on}"
        elif result.error.kind == "calls":
            stopped = (f"{function} {result.error.message}: a search is graded on at most {SPIED_CALLS} trials "
                       f"and {EVENT_BYTES >> 20} MB of what they report, and {done} trial(s) completed within that; "
                       f"{graded_on}")
        else:
            stopped = f"{function} stopped with an error after {done} completed trial(s): {call_failed(result).output}"
        if not trials:
            problem = call_failed(result, signature=expected or None)
    name_settings(trials)
    record = SearchRecord(function, tuple(trials), returned=result.value, ok=result.ok, problem=problem,
                          stopped=stopped, seconds=time.perf_counter() - started, records=dict(result.records))
    ctx.figure("search", search_figure(record, spied))
    runs = runs_figure(record.records.get("wandb"))
    if runs:
        ctx.figure("runs", runs)
    return record


def runs_figure(found: Any) -> list[dict[str, Any]]:
    """wandb's runs as the report draws them: ``name`` and ``project`` text or None, ``config`` a dict and
    ``rows`` a list of dicts, each value a scalar (a non-finite number as None, anything nested as short
    text). The child sends these records and student code can forge them, so a part of the wrong type is
    left out and said in the run's ``malformed`` list (a record that is no run at all keeps its place)."""
    if not isinstance(found, list):
        return []  # no list of runs: nothing to draw (a stand-in that records nothing sends none)

    def value(v: Any) -> Any:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return v if v is None or isinstance(v, (str, int, float, bool)) else quoted(v, 200)

    def plain(d: Mapping[Any, Any]) -> dict[str, Any]:
        return {str(k)[:100]: value(v) for k, v in d.items()}

    runs: list[dict[str, Any]] = []
    for number, run in enumerate(found, start=1):
        if not isinstance(run, dict):
            runs.append({"name": None, "project": None, "config": {}, "rows": [],
                         "malformed": [f"run {number} could not be read ({quoted(run)}, not a run record)"]})
            continue
        malformed: list[str] = []
        shown: dict[str, Any] = {}
        for key, kind, what in (("name", str, "text"), ("project", str, "text"), ("config", dict, "a dict"),
                                ("rows", list, "a list")):
            given = run.get(key)
            if given is not None and not isinstance(given, kind):
                malformed.append(f"run {number}: its {'logged rows' if key == 'rows' else key} could not be read "
                                 f"({quoted(given)}, not {what})")
                given = None
            shown[key] = given
        rows = shown["rows"] or []
        bad = [row for row in rows if not isinstance(row, dict)]
        if bad:
            malformed.append(f"run {number}: {len(bad)} of its {len(rows)} logged rows could not be read "
                             f"(such as {quoted(bad[0])}, not a dict)")
        runs.append({"name": None if shown["name"] is None else shown["name"][:200],
                     "project": None if shown["project"] is None else shown["project"][:200],
                     "config": plain(shown["config"] or {}),
                     "rows": [plain(row) for row in rows if isinstance(row, dict)],
                     **({"malformed": malformed} if malformed else {})})
    return runs


def search_figure(record: SearchRecord, spied: str) -> dict[str, Any]:
    """The search as the report draws it: a row per trial (its setting, the
    grader's figures, its time or what went wrong); ``chosen`` is set by
    ``mark_chosen`` once the plug-in knows the search's choice."""
    return {
        "function": record.function, "trained": spied, "stopped": record.stopped, "chosen": None, "how": None,
        "seconds": round(record.seconds, 3),
        "trials": [{"number": t.index + 1, "setting": {str(k): v for k, v in t.setting.items() if scalar(v)},
                    "figures": dict(t.figures), "seconds": t.seconds, "problem": t.problem,
                    "completed": t.completed} for t in record.trials],
    }


def mark_chosen(ctx: CheckContext, trial: Trial, how: str) -> None:
    """Mark the trial the search chose (``how``: how the grader knows) in the report's search figure."""
    found = ctx.figures.get("search")
    if isinstance(found, dict):
        found["chosen"], found["how"] = trial.index + 1, how


def name_settings(trials: Sequence[Trial]) -> None:
    """A trial's setting: its scalar arguments plus the globals that vary
    between trials (hyperparameters a search sets as module globals)."""
    seen: dict[str, set[str]] = {}
    for t in trials:
        for key in t.globals:
            seen.setdefault(key, set())
    for t in trials:  # trials x globals, once
        for key, values in seen.items():
            if len(values) < 2:
                values.add(repr(t.globals.get(key)))
    varying = {key for key, values in seen.items() if len(values) > 1}
    for t in trials:
        t.setting = dict(t.arguments)
        # A global whose role an argument already carries is the training
        # function's own side effect (e.g. train sets NUM_HIDDEN = hidden): as
        # seen at the call, it holds the previous trial's value.
        given = {role(str(k)) for k in t.arguments} - {None}
        t.setting.update({key: t.globals.get(key) for key in sorted(varying) if role(key) not in given})
