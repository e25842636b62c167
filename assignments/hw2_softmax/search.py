"""2.7 findBestHyperparameters of hw2_softmax: the search runs once with
train_softmax_classifier spied on (``grader.checks.search``); every trial's
W, b are evaluated on the validation split by the grader as they arrive, and
the wandb stand-in's runs are recorded for problem 3. The chosen setting's
model goes to the test set (2.8)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.checks.search import (SearchRecord, Trial, best, checked_search, data_globals, distinct, effective_settings,
                                  epochs_of, mark_chosen, record_search, returned_choice, tolerance_ce)
from grader.checks.signature import plan_call
from grader.context import CheckContext
from grader.rubric import Outcome

from . import evaluation
from .student import SIGNATURES
from .training import FEATURES, handed_over, read_model

if TYPE_CHECKING:
    from .state import Hw2State

SEARCH, TRAIN = "findBestHyperparameters", "train_softmax_classifier"
VAL_CE, VAL_ACC = "validation CE", "validation accuracy"
MISSING_HINT = ("add findBestHyperparameters(train_images, train_labels, val_images, val_labels): call "
                "train_softmax_classifier once per setting (at least 9), compare them on the validation data and "
                "return the best setting as a dict of train_softmax_classifier's keyword arguments")


def run_search(state: Hw2State) -> SearchRecord:
    ctx = state.ctx
    if not ctx.defines(SEARCH):
        return SearchRecord(None, (), problem=Outcome(0.0, "findBestHyperparameters is not defined (a search under "
                                                           "`if __name__ == \"__main__\":` cannot be called)",
                                                      hint=MISSING_HINT, mistakes=("no-search",)))
    values = handed_over(state)
    plan = plan_call(ctx.signature(SEARCH), values, what=SEARCH, expected=SIGNATURES[SEARCH])
    if plan.problem:
        return SearchRecord(SEARCH, (), problem=Outcome(0.0, plan.problem, hint=f"use {SIGNATURES[SEARCH]}"))
    scoped = data_globals(plan, values)
    if scoped:
        ctx.note(f"{SEARCH} takes no data arguments; the grader set the module globals trainX, trainY, valX, valY "
                 "(and their usual spellings) to the training and validation data before calling it.")
    d = state.data
    ctx.report(f"  {SEARCH} on {d.files.description}; each trial is scored by the grader on the "
               f"{d.files.n_val:,} validation images")

    def figures(model: Any) -> dict[str, float]:
        ce, acc = evaluation.evaluate(*model, d.val_X, d.val_Y)
        return {VAL_CE: ce, VAL_ACC: acc}

    found = record_search(ctx, SEARCH, spied=TRAIN, plan=plan, read=read_model, evaluate=figures, features=FEATURES,
                          with_globals=scoped, expected=SIGNATURES[SEARCH])
    if found.stopped and found.trials:
        ctx.note(found.stopped.rstrip(".") + ".")
    chosen = chosen_trial(found)[0] if found.ok and found.problem is None else None
    return checked_search(ctx, found, chosen, spied=TRAIN, values=values, read=read_model, evaluate=figures,
                          metric=VAL_CE, tolerance=tolerance_ce, vector=_weights,
                          timeout=max(ctx.session.limits.call_seconds, 60.0 * (epochs_of(chosen) if chosen else 10)))


def _weights(trial: Trial) -> np.ndarray:
    W, b = trial.result
    return np.concatenate([np.ravel(W), np.ravel(b)])


def search_settings(ctx: CheckContext) -> Outcome:
    """2.7: distinct settings tried (k of the 9 asked for)."""
    state: Hw2State = ctx.state
    found = state.search
    if found.problem is not None:
        return found.problem
    wanted = ctx.settings.min_settings
    k = distinct(found.trials)
    effective, problems = effective_settings(found.trials, _weights)
    text = (f"{SEARCH} called {TRAIN} {len(found.trials)} time(s); {len(found.completed)} returned W and b; "
            f"{k} distinct setting(s)")
    mistakes = []
    if effective < k:
        k = effective
        text += f", of which {k} changed the trained model ({'; '.join(problems)})"
        mistakes.append("ignores-hyperparameters")
    if found.stopped:
        text += f"; {found.stopped}"
    hint = None
    if k < wanted:
        mistakes.append("few-settings")
        hint = f"try at least {wanted} different settings, calling {TRAIN} once per setting"
    return Outcome(min(1.0, k / wanted), text, hint=hint, mistakes=tuple(mistakes))


def chosen_trial(found: SearchRecord) -> tuple[Trial | None, str]:
    """The trial whose setting the search returned, and how it was matched."""
    return returned_choice(found) or \
        (None, f"{SEARCH} returned {type(found.returned).__name__}; expected a dict of {TRAIN}'s keyword arguments")


def chosen_model(state: Hw2State) -> tuple[tuple[np.ndarray, np.ndarray], str] | Outcome:
    """The model 2.8 evaluates: the chosen trial's; without a usable search,
    the fixed-setting run's (said so)."""
    found = state.search
    if found.problem is None:
        done = [t for t in found.completed if math.isfinite(t.figures[VAL_CE])]
        chosen, how = chosen_trial(found) if found.ok else (None, found.stopped or "")
        if chosen is not None and chosen.completed:
            if not (how == "by the returned dict" and isinstance(found.returned, dict)):
                state.ctx.note(f"{SEARCH} returned {found.returned!r:.120}, not a dict; the grader matched it {how} "
                               f"to {chosen.label()}.")
            mark_chosen(state.ctx, chosen, how)
            return chosen.result, f"the chosen {chosen.label()}"
        fallback = best(done, VAL_CE)
        if fallback is not None:
            mark_chosen(state.ctx, fallback, "the best validation trial (the search's own choice could not be "
                                             "identified)")
            return fallback.result, (f"{fallback.label()} (the choice could not be identified: {how}; the grader "
                                     "used the best trial on validation)")
    run = state.train_run
    if isinstance(run, Outcome):
        return Outcome(0.0, f"no model to evaluate: {run.output}")
    reason = "findBestHyperparameters is not defined" if not state.ctx.defines(SEARCH) else \
        "the search gave no usable trial"
    return (run.W, run.b), f"the fixed-setting run ({run.setting}; {reason})"
