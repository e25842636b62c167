"""Did the chosen trial train? The grader replays it, in a fresh process and
working folder, with the trial's own setting and the handed-over data, and
compares figures and time: weights loaded from a file or reused from another
call earn a search nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from grader.checks.signature import role
from grader.rubric import Outcome
from grader.training.settings import COPY_TOLERANCE, near_copies, setting_key
from grader.training.trials import Evaluator, Reader, SearchRecord, Trial, scalar

if TYPE_CHECKING:
    from grader.context import CheckContext

REPLAY_SPEED = 0.1
"""A trial that took less than this share of its replay's time did not train
as the replay did (time is evidence, looked at with the figures)."""
REPLAY_MIN_SECONDS = 0.5
"""... and only when the replay itself took at least this long."""


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
