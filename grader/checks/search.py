"""Recording a hyperparameter search as it runs: the search function is called
once with its training function spied on, so every training call (a trial)
arrives live with its settings (scalar arguments and the module's scalar
globals) and what it returned. The grader reads and evaluates each trial with
its own code as it arrives, reports progress, and keeps the trials for the
items that judge the search (how many settings, the choice, the data used).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

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
        return v if v is None or isinstance(v, (str, int, float, bool)) else _shown(v, 200)

    def plain(d: Mapping[Any, Any]) -> dict[str, Any]:
        return {str(k)[:100]: value(v) for k, v in d.items()}

    runs: list[dict[str, Any]] = []
    for number, run in enumerate(found, start=1):
        if not isinstance(run, dict):
            runs.append({"name": None, "project": None, "config": {}, "rows": [],
                         "malformed": [f"run {number} could not be read ({_shown(run)}, not a run record)"]})
            continue
        malformed: list[str] = []
        shown: dict[str, Any] = {}
        for key, kind, what in (("name", str, "text"), ("project", str, "text"), ("config", dict, "a dict"),
                                ("rows", list, "a list")):
            given = run.get(key)
            if given is not None and not isinstance(given, kind):
                malformed.append(f"run {number}: its {'logged rows' if key == 'rows' else key} could not be read "
                                 f"({_shown(given)}, not {what})")
                given = None
            shown[key] = given
        rows = shown["rows"] or []
        bad = [row for row in rows if not isinstance(row, dict)]
        if bad:
            malformed.append(f"run {number}: {len(bad)} of its {len(rows)} logged rows could not be read "
                             f"(such as {_shown(bad[0])}, not a dict)")
        runs.append({"name": None if shown["name"] is None else shown["name"][:200],
                     "project": None if shown["project"] is None else shown["project"][:200],
                     "config": plain(shown["config"] or {}),
                     "rows": [plain(row) for row in rows if isinstance(row, dict)],
                     **({"malformed": malformed} if malformed else {})})
    return runs


def _shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it, cut short."""
    try:
        text = repr(value)
    except Exception:  # nested too deeply to repr
        text = f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def setting_key(setting: Mapping[str, Any]) -> str:
    return repr(sorted(setting.items()))


def distinct(trials: Sequence[Trial]) -> int:
    """Distinct settings among the completed trials."""
    return len({setting_key(t.setting) for t in trials if t.completed})


def effective_settings(trials: Sequence[Trial], vector: Callable[[Trial], np.ndarray]) -> tuple[int, list[str]]:
    """Distinct settings that changed what training returned: trials with
    different settings and the same results up to noise (a training function
    that ignores the hyperparameters it is given, seeded alike; or a result
    reused with a little noise added) count as one."""
    done = [t for t in trials if t.completed]
    copies = near_copies(done, vector)
    by_index = {t.index: t for t in done}
    problems = [copy_problem(first, by_index[index]) for index, first in copies.items()
                if setting_key(first.setting) != setting_key(by_index[index].setting)][:1]
    return min(distinct(done), len(done) - len(copies)), problems


def copy_problem(first: Trial, later: Trial) -> str:
    return (f"{first.label()} and {later.label()} returned the same results (identical, or up to noise) although "
            "their settings differ: training ignores (some of) the hyperparameters it is given, or a result was "
            "reused, so such trials count as one setting")


def matches(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0))
    return bool(a == b)


def trial_for_dict(trials: Sequence[Trial], value: Mapping[str, Any]) -> Trial | None:
    """The last completed trial whose setting the returned dict names.

    Keys match by name or by role (``learning_rate`` names ``lr``); module
    globals that did not vary between trials count too (``NUM_EPOCHS = 1``)."""
    found = None
    for t in trials:
        if not t.completed:
            continue
        given = {role(str(k)) for k in t.setting} - {None}
        fixed = {k: v for k, v in t.globals.items() if role(k) not in given}
        keyed = {role(k) or k: v for k, v in fixed.items()}
        keyed.update({role(k) or k: v for k, v in t.setting.items()})
        plain = {**fixed, **t.setting}
        if all((k in plain and matches(plain[k], v)) or
               (role(str(k)) in keyed and matches(keyed[role(str(k)) or k], v)) for k, v in value.items()):
            found = t
    return found


def trial_for_values(trials: Sequence[Trial], values: Sequence[Any]) -> Trial | None:
    """The last completed trial whose setting holds every one of ``values``
    (a search that returned a tuple of hyperparameters)."""
    for t in reversed([t for t in trials if t.completed]):
        if all(any(matches(v, u) for u in t.setting.values()) for v in values):
            return t
    return None


def returned_choice(record: SearchRecord) -> tuple[Trial | None, str] | None:
    """The trial a search's return value names, and how it was matched: a
    dict of keyword arguments (alone or inside a tuple), or a tuple of the
    hyperparameters' values. None when the value is neither (the caller may
    know other forms, such as returned weights)."""
    value = record.returned
    if isinstance(value, (tuple, list)) and value and any(isinstance(v, dict) for v in value):
        value = next(v for v in value if isinstance(v, dict))
    if isinstance(value, dict) and value:
        trial = trial_for_dict(record.trials, value)
        return (trial, "by the returned dict") if trial else \
            (None, f"the returned dict {value!r:.200} matches none of the trials' settings")
    if isinstance(value, (tuple, list)) and value and all(scalar(v) for v in value):
        trial = trial_for_values(record.trials, value)
        return (trial, "by the returned values") if trial else \
            (None, f"the returned values {value!r:.200} match none of the trials' settings")
    return None


def best(trials: Sequence[Trial], figure: str, *, lowest: bool = True) -> Trial | None:
    usable = [t for t in trials if t.completed and np.isfinite(t.figures.get(figure, np.nan))]
    if not usable:
        return None
    return (min if lowest else max)(usable, key=lambda t: t.figures[figure])


# -- did the trials train? ------------------------------------------------------
COPY_TOLERANCE = 1e-4
"""Weights of two trials closer than this (relative, in norm) are one set of
weights up to noise: no two trainings with different settings land there."""
REPLAY_SPEED = 0.1
"""A trial that took less than this share of its replay's time did not train
as the replay did (time is evidence, looked at with the figures)."""
REPLAY_MIN_SECONDS = 0.5
"""... and only when the replay itself took at least this long."""


def near_copies(trials: Sequence[Trial], vector: Callable[[Trial], np.ndarray]) -> dict[int, Trial]:
    """For each completed trial whose weights equal, up to noise, those of an
    earlier trial: the first such trial (by index). Identical weights count.

    Each trial's weights are projected on 16 fixed random directions once
    (trials x size), then the projections compared pairwise (trials^2 x 16);
    a pair that looks close is confirmed on the full weights."""
    done = [t for t in trials if t.completed]
    flat = {t.index: np.asarray(vector(t), dtype=np.float64).ravel() for t in done}
    directions: dict[int, np.ndarray] = {}
    projected: dict[int, tuple[np.ndarray, float]] = {}
    for t in done:
        v = flat[t.index]
        if v.size not in directions:
            directions[v.size] = np.random.default_rng(v.size).standard_normal((16, v.size)) / np.sqrt(16)
        with np.errstate(all="ignore"):
            projected[t.index] = directions[v.size] @ v, float(np.linalg.norm(v))
    copies: dict[int, Trial] = {}
    for j, later in enumerate(done):
        p, size = projected[later.index]
        if not np.isfinite(size) or size == 0:
            continue
        for earlier in done[:j]:
            q, _ = projected[earlier.index]
            if q.shape != p.shape:
                continue
            if np.linalg.norm(p - q) < 4 * COPY_TOLERANCE * size and \
                    np.linalg.norm(flat[later.index] - flat[earlier.index]) < COPY_TOLERANCE * size:
                copies[later.index] = earlier
                break
    return copies


@dataclass(frozen=True)
class Verification:
    """Whether a trial's weights came from training in that call: the grader
    ran the same training again in a fresh process and working folder, with
    the trial's setting and the handed-over data, and compared."""

    trial: Trial
    trained: bool
    text: str
    figures: Mapping[str, float] = field(default_factory=dict)
    seconds: float | None = None


def verify_trial(ctx: CheckContext, trial: Trial, *, spied: str, values: Mapping[str, Any], read: Reader,
                 evaluate: Evaluator, metric: str, tolerance: Callable[[float], float], timeout: float,
                 copies: Mapping[int, Trial] | None = None) -> Verification:
    """Replay ``trial``: ``spied`` called once more, in a fresh process and
    working folder, with the data ``values`` (by role, as ``plan_call`` takes
    them) and the trial's own setting (its arguments by name, the globals
    that varied), outside the submission's time budget (``timeout``). The
    trial trained if the replay's ``metric`` is within ``tolerance(replay's)``
    of the trial's, and the trial did not take far less time than the replay.
    A replay that fails where the trial did not is no evidence of training
    either. ``copies`` (``near_copies``) names trials whose weights are an
    earlier trial's up to noise: said with a failed replay, never a verdict
    by itself (two tiny learning rates from one start are honest)."""
    from grader.checks.signature import plan_call

    label = trial.label()
    copied = (copies or {}).get(trial.index)
    copied = copied if copied is not None and setting_key(copied.setting) != setting_key(trial.setting) else None
    copy_text = (f"; its weights are those of {copied.label()} up to noise (closer than {COPY_TOLERANCE:g} in "
                 "relative norm)") if copied else ""
    values = {**values, **{str(role(str(k))): v for k, v in trial.arguments.items() if role(str(k))}}
    plan = plan_call(ctx.signature(spied), values, what=spied, expected=spied)
    if plan.problem or any(str(name).startswith("arg") and name not in {p.name for p in ctx.signature(spied) or ()}
                           for name in trial.arguments):
        return Verification(trial, True, f"{label} could not be replayed ({plan.problem or 'positional settings'}); "
                                         "its training was not verified")
    kwargs = dict(plan.kwargs)
    kwargs.update({str(k): v for k, v in trial.arguments.items()})
    scoped = {str(k): v for k, v in trial.setting.items() if k in trial.globals and k not in trial.arguments}
    ctx.report(f"  replaying {label} in a fresh process to check that it trained")
    ctx.session.fresh()
    ctx.session.grant(timeout)
    result = ctx.session.call(spied, *plan.args, timeout=timeout, with_globals=scoped, **kwargs)
    ctx.session.fresh()  # what the replay left is not the next check's
    if not result.ok:
        why = result.error.describe() if result.error is not None else "it failed"
        return Verification(trial, False, f"the grader called {spied} again with the setting of {label}, in a "
                                          f"fresh process and working folder, and it {_failed(why)}{copy_text}; in "
                                          f"the search the same call returned weights: they did not come from "
                                          "training in that call")
    model, note = read(result.value)
    if model is None:
        return Verification(trial, False, f"replayed in a fresh process, {spied} with the setting of {label} "
                                          f"{note}{copy_text}; in the search it returned weights")
    figures = dict(evaluate(model))
    got, had = figures.get(metric, float("nan")), trial.figures.get(metric, float("nan"))
    seconds = result.seconds
    slow = seconds >= REPLAY_MIN_SECONDS and trial.seconds is not None and trial.seconds < REPLAY_SPEED * seconds
    far = not (np.isfinite(got) and np.isfinite(had) and abs(got - had) <= tolerance(got))
    facts = (f"replayed in a fresh process with the same setting, {spied} gave {metric} {got:.4g} in {seconds:.2f} s; "
             f"in the search, {label} gave {had:.4g} in {trial.seconds or 0:.3f} s")
    if far or slow:
        reasons = [f"{metric} differs by more than {tolerance(got):.3g}"] if far else []
        reasons += [f"the trial took less than {REPLAY_SPEED:.0%} of the replay's time"] if slow else []
        reasons += [copy_text.removeprefix("; ")] if copied else []
        return Verification(trial, False, f"{facts}: {'; '.join(reasons)}. Its weights did not come from training "
                                          "in that call (reused from another call, or from a file)", figures, seconds)
    return Verification(trial, True, f"{facts}: it trained", figures, seconds)


def _failed(why: str) -> str:
    return why if why.startswith("raised") else f"failed: {why}"


def unverified(record: SearchRecord, verification: Verification) -> SearchRecord:
    """The search as the search items see it once its chosen trial was found
    not to have trained: nothing to credit, and why."""
    return replace(record, problem=Outcome(
        0.0, f"{record.function}'s chosen {verification.trial.label()} was checked by training it again: "
             f"{verification.text}. A search earns its points only for trials that train on the data they are given",
        hint="train every trial from its setting in its own call; do not load or reuse weights from an earlier call",
        mistakes=("untrained-trials",)))


def checked_search(ctx: CheckContext, record: SearchRecord, chosen: Trial | None, *, spied: str,
                   values: Mapping[str, Any], read: Reader, evaluate: Evaluator, metric: str,
                   tolerance: Callable[[float], float], timeout: float,
                   vector: Callable[[Trial], np.ndarray]) -> SearchRecord:
    """The search once its ``chosen`` trial was replayed (``verify_trial``):
    as it was, or ``unverified`` (nothing to credit, and why) when the chosen
    weights did not come from training in that call. ``vector``: a trial's
    weights as one array, for ``near_copies``."""
    if chosen is None or not chosen.completed or not record.ok or record.problem is not None:
        return record
    verification = verify_trial(ctx, chosen, spied=spied, values=values, read=read, evaluate=evaluate, metric=metric,
                                tolerance=tolerance, timeout=timeout, copies=near_copies(record.trials, vector))
    return record if verification.trained else unverified(record, verification)


def tolerance_ce(ce: float) -> float:
    """How far a replay's validation cross-entropy may be from the trial's.
    Generous: an honest epoch from another random start and minibatch order
    moves it by up to a third (0.37 against 0.48 measured, one epoch of 10,000
    images); weights of another setting, or no training, move it further,
    and a trial that took no time is caught by its time."""
    return 0.05 + 0.5 * abs(ce)


def epochs_of(trial: Trial, default: float = 10.0) -> float:
    """The trial's number of epochs, when its setting says (for a replay's time limit)."""
    from grader.checks.signature import role

    return next((float(v) for k, v in trial.setting.items() if role(str(k)) == "epochs" and scalar(v)
                 and not isinstance(v, (bool, str))), default)
