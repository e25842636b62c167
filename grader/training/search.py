"""The spied search of a training homework, run once per submission: the
search function called with its training function spied on, each trial read
and scored on the validation data by the grader as it arrives
(``grader.training.trials``), the chosen trial trained again under the
grader's eyes (``grader.training.replay``), and the choice matched to a
trial. A homework says what differs in a ``Search`` and a ``Run``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from grader.checks.coerce import quoted
from grader.checks.signature import plan_call
from grader.rubric import Outcome
from grader.training.bundles import bundled
from grader.training.replay import checked_search, epochs_of, tolerance_ce
from grader.training.settings import best, distinct, returned_choice
from grader.training.trials import SearchRecord, Trial, data_globals, mark_chosen, record_search

if TYPE_CHECKING:
    from grader.context import CheckContext

VAL_CE, VAL_ACC = "validation CE", "validation accuracy"
Evaluate = Callable[[Any, Any, Any], "tuple[float, float]"]
"""``evaluate(model, X, Y) -> (mean CE, accuracy)``: the grader's own arithmetic."""


@dataclass(frozen=True)
class Search:
    """What a homework's search is: the course's names and signature, how the
    grader reads a trained model and scores it, and the feedback's words."""

    function: str
    train: str
    signature: str
    missing: Outcome
    """The outcome when the search function is not defined."""
    features: int
    """Inputs per example: how the grader tells the training data in a call."""
    evaluate: Evaluate
    vector: Callable[[Any], np.ndarray]
    """A model as one array (to find trials whose weights are copies)."""
    read: Callable[[Any], "tuple[Any, str | None]"] | None = None
    """How the grader reads a trial's model (for the core's ``facts.search``)."""
    scoped_note: str = ""
    """Said when the search takes no data arguments and reads module globals; ``{name}`` is its name."""
    graded_on: str = "the search is graded on those"


@dataclass(frozen=True)
class Run:
    """One call of the search: how to call it, and what the homework adds."""

    name: str
    values: Mapping[str, Any]
    """The data (and any other arguments) by role, as ``plan_call`` takes them."""
    read: Callable[[Any], "tuple[Any, str | None]"]
    val: tuple[Any, Any]
    description: str
    choose: Callable[[SearchRecord], "tuple[Trial | None, str]"]
    replay_values: Callable[[Trial | None], Mapping[str, Any]] | None = None
    timeout: Callable[[Trial | None], float] | None = None
    after: Callable[[SearchRecord], None] = field(default=lambda found: None)
    """Called on the record before its choice is replayed (e.g. settings read off the weights)."""


def figures_of(spec: Search, val: tuple[Any, Any]) -> Callable[[Any], dict[str, float]]:
    """A model's validation figures, as the search's trials carry them."""

    def figures(model: Any) -> dict[str, float]:
        ce, acc = spec.evaluate(model, *val)
        return {VAL_CE: ce, VAL_ACC: acc}

    return figures


def run_search(ctx: CheckContext, spec: Search, run: Run) -> SearchRecord:
    """The search recorded, its chosen trial replayed; a record whose ``problem``
    says why it could not be run at all."""
    name = run.name
    bundle = bundled(ctx.signature(name), run.values, source=ctx.source, function=name)
    plan = bundle[0] if bundle else plan_call(ctx.signature(name), dict(run.values), what=name,
                                              expected=spec.signature)
    if bundle:
        ctx.note(bundle[1] + ".")
    if plan.problem:
        return SearchRecord(name, (), problem=Outcome(0.0, plan.problem, hint=f"use {spec.signature}"))
    scoped = data_globals(plan, run.values)
    if scoped and spec.scoped_note:
        ctx.note(spec.scoped_note.format(name=name))
    ctx.report(run.description)
    figures = figures_of(spec, run.val)
    found = record_search(ctx, name, spied=spec.train, plan=plan, read=run.read, evaluate=figures,
                          features=spec.features, with_globals=scoped, expected=spec.signature,
                          graded_on=spec.graded_on)
    if found.stopped and found.trials:
        ctx.note(found.stopped.rstrip(".") + ".")
    opened = course_files_read(found.records.get("course_data"))
    if opened:
        ctx.note(f"{name} loads the course's data by file name ({opened}): the grader handed over its own copies "
                 "of those files, the data it grades with, wherever your code looked for them; the test files are "
                 "never handed over.")
    run.after(found)
    chosen = run.choose(found)[0] if found.ok and found.problem is None else None
    timeout = run.timeout(chosen) if run.timeout else \
        max(ctx.session.limits.call_seconds, 60.0 * (epochs_of(chosen) if chosen else 10))
    values = run.replay_values(chosen) if run.replay_values else run.values
    return checked_search(ctx, found, chosen, spied=spec.train, values=values, read=run.read, evaluate=figures,
                          metric=VAL_CE, tolerance=tolerance_ce, timeout=timeout,
                          vector=lambda t: spec.vector(t.result))


def course_files_read(found: Any) -> str:
    """The child's record of the course files it read by name (``path asked for -> file``), as a note's words.
    The child can forge it: only well-formed pairs of short texts are shown."""
    pairs = [pair for pair in found if isinstance(pair, list) and len(pair) == 2 and all(
        isinstance(part, str) for part in pair)] if isinstance(found, list) else []
    return "; ".join(f"{quoted(asked, 120)} as {quoted(name, 60)}" if asked != name else quoted(name, 60)
                     for asked, name in pairs[:8])


def settings_tried_outcome(found: SearchRecord, *, train: str, wanted: int, effective: tuple[int, list[str]],
                           hint: str = "", diverged: Callable[[Trial], bool] | None = None,
                           visible: Callable[[list[Trial]], bool] | None = None, setting: str = "setting") -> Outcome:
    """How many distinct settings the search tried that had an effect, of the
    ``wanted``; the trials that ``diverged`` are named (fine to try, never to
    choose); trials whose calls showed no hyperparameter (``visible`` false)
    count as one setting."""
    if found.problem is not None:
        return found.problem
    k = distinct(found.trials)
    text = (f"{found.function} called {train} {len(found.trials)} time(s); {len(found.completed)} returned "
            f"usable results; {k} distinct setting(s)")
    mistakes = []
    count, problems = effective
    if count < k:
        k = count
        text += f", of which {k} changed the trained model ({'; '.join(problems)})"
        mistakes.append("ignores-hyperparameters")
    if found.completed and visible is not None and not visible(found.completed):
        k = min(k, 1)
        text += (f" (no hyperparameter was visible in the calls: pass them as {train}'s arguments or module "
                 "globals)")
    bad = [t for t in found.completed if diverged is not None and diverged(t)]
    if bad:
        text += "; diverged: " + ", ".join(t.label() for t in bad) + f" (a {setting} that large overshoots: fine to " \
                                                                      "try, never to choose)"
        mistakes.append("diverged")
    if found.stopped:
        text += f"; {found.stopped}"
    if k < wanted:
        mistakes.append("few-settings")
    ignores = f"; {train} must use the hyperparameters it is given" if problems else ""
    return Outcome(min(1.0, k / wanted), text, mistakes=tuple(mistakes), hint=None if k >= wanted else (
        hint.format(wanted=wanted) if hint else f"try at least {wanted} different settings, calling {train} once "
                                                "per setting") + ignores)


def choice_by_value(found: SearchRecord, spec: Search) -> tuple[Trial | None, str]:
    """The trial whose setting the search returned (a dict, values), and how it was matched."""
    return returned_choice(found) or \
        (None, f"{found.function} returned {type(found.returned).__name__}; expected a dict of {spec.train}'s "
               "keyword arguments naming the best setting")


@dataclass(frozen=True)
class Chosen:
    """The trial whose model goes to the test set, and how the grader knows it is the choice."""

    trial: Trial
    how: str
    label: str
    """The trial as the feedback names it (with why, if the choice was not the search's own)."""


def chosen(ctx: CheckContext, found: SearchRecord, choose: Callable[[SearchRecord], "tuple[Trial | None, str]"], *,
           fallback: str = VAL_CE, usable: Callable[[Trial], bool] = lambda t: True) -> Chosen | None:
    """The search's chosen trial; when its choice cannot be identified, the
    best trial on validation by ``fallback`` (said so); None without any."""
    trial, how = choose(found) if found.ok else (None, found.stopped or "the search stopped")
    if trial is not None and trial.completed:
        note_choice(ctx, found, trial, how)
        mark_chosen(ctx, trial, how)
        return Chosen(trial, how, f"the chosen {trial.label()}")
    done = [t for t in found.completed if usable(t)] or found.completed
    best_trial = best(done, fallback, lowest=fallback != VAL_ACC)
    if best_trial is None:
        return None
    ctx.note(f"The search's choice could not be identified ({how}); the grader used its best trial on validation, "
             f"{best_trial.label()}.")
    why = "the best validation trial (the search's own choice could not be identified)"
    mark_chosen(ctx, best_trial, why)
    return Chosen(best_trial, why, f"{best_trial.label()} (the choice could not be identified: {how}; the grader "
                                   "used its best validation trial)")


def note_choice(ctx: CheckContext, found: SearchRecord, trial: Trial, how: str) -> None:
    """Say how the grader matched a search's return value to a trial, unless it was the dict asked for."""
    if how == "by the returned dict" and isinstance(found.returned, dict):
        return
    shown = f"{found.returned!r:.120}" if not isinstance(found.returned, np.ndarray) else "weights"
    ctx.note(f"{found.function} returned a {type(found.returned).__name__} ({shown}), not a dict of keyword "
             f"arguments; the grader matched it {how} to {trial.label()}.")
