"""(b) and (c) of hw6_mnist on the core's training pipeline: findBestHyperparameters
(or its misspelling) runs once with the module's ``train`` spied on, every
trial's weights read in the student's layout and evaluated on the validation
set by the grader as they arrive; b.1 counts the distinct settings that had
an effect (hidden sizes read off the weights). The choice (b.2), the data
(b.3) and the test set (c) are the core's built-in items.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np

from grader.checks.signature import role
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome
from grader.training.pipeline import Pipeline
from grader.training.search import Run, Search, chosen, run_search
from grader.training.settings import distinct, near_copies, returned_choice, setting_key
from grader.training.testset import TestFigures, measure
from grader.training.trials import SearchRecord, Trial

from . import evaluation
from .layout import NUM_INPUT, pack
from .student import Hw6Submission
from .training import initial_weights, load_data, oriented_data, weights_blocks

MIN_SETTINGS = 10
SEARCH_SIGNATURE = "findBestHyperparameters(trainX, trainY, valX, valY) -> dict of train's keyword arguments"
HIDDEN_FROM_W = "hidden (size of w)"
SEARCHED = Search(
    "findBestHyperparameters", "train", SEARCH_SIGNATURE, features=NUM_INPUT, evaluate=evaluation.evaluate,
    vector=lambda blocks: np.concatenate([np.ravel(b) for b in blocks]),
    missing=Outcome(0.0, f"findBestHyperparameters is not defined; expected def {SEARCH_SIGNATURE}",
                    hint="define findBestHyperparameters, spelled exactly so"),
    scoped_note="{name} takes no data arguments; the grader set the module globals trainX, trainY, valX, valY (and "
                "their usual spellings) to the training and validation data before calling it, as your script code "
                "would have. The test set is never given: a search that reads testX/testY fails.",
    graded_on="(b) and (c) are graded on those")


def search_function(functions: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The search function's name, accepting misspellings of
    findBestHyperparameters (case, underscores, 'params'); and a note."""
    if "findBestHyperparameters" in functions:
        return "findBestHyperparameters", None
    for name in functions:
        key = re.sub(r"_", "", name.lower())
        if key.startswith("findbesthyper") or key in ("findbestparams", "findbestparameters", "findbest"):
            return name, (f"findBestHyperparameters is spelled {name} in your file; it was graded under that name "
                          "(the course's name is findBestHyperparameters, exactly)")
    return None, None


def search(ctx: CheckContext) -> SearchRecord:
    """findBestHyperparameters (or its misspelling) run once with train spied on."""
    state: Hw6Submission = ctx.state
    name, note = search_function(ctx.imported.functions)
    if name is None:
        return SearchRecord(None, (), problem=SEARCHED.missing)
    if note:
        ctx.note(note + ".")
    d = ctx.fact(load_data)
    state.read_layouts_for_search()  # before the search: the child is busy while it runs

    def read(value: Any) -> tuple[Any, str | None]:
        blocks, how = weights_blocks(state, value, live=True)
        return blocks, (None if blocks is not None else how)

    def replay(chosen: Trial | None) -> dict[str, Any]:
        hidden = int(chosen.result[0].shape[0]) if chosen is not None and chosen.completed else state.hidden
        return dict(oriented_data(state), w=initial_weights(state, hidden))

    return run_search(ctx, SEARCHED, Run(
        name, dict(oriented_data(state), w=initial_weights(state, state.hidden)), read, (d.val_X, d.val_Y),
        description=f"  findBestHyperparameters on {d.description}; validation: mnist/validation ({d.n_val:,}); "
                    "each trial is scored by the grader on the validation set",
        choose=chosen_trial, replay_values=replay, after=lambda found: _read_off_weights(state, found)))


def _read_off_weights(state: Hw6Submission, found: SearchRecord) -> None:
    for t in found.trials:
        # The template's train(trainX, trainY, testX, testY, w) takes the number
        # of hidden units implicitly, as the size of w: read it off the weights.
        if t.result is not None and not any(role(str(k)) == "hidden" for k in t.setting):
            t.setting[HIDDEN_FROM_W] = int(t.result[0].shape[0])
    if state.layout.family() is None:  # a layout of its own kind: only the sizes read before the search are known
        known = {layout.hidden for layout in state.known_layouts()}
        for t in found.trials:
            if t.result is not None and t.result[0].shape[0] not in known:
                t.problem = "weights of a hidden size whose layout could not be read"


def without_effect(trials: tuple[Trial, ...]) -> tuple[int, list[str]]:
    """Distinct settings that had an effect, and why some did not: a trial
    asked for a number of hidden units its weights do not have, or trials
    with different settings returned exactly the same weights (a train that
    ignores the hyperparameters it is given, seeded so every run is alike),
    or the same weights up to noise (reused from another call)."""
    done = [t for t in trials if t.completed]
    problems: list[str] = []
    effective = []
    said_hidden = said_identical = False
    for t in done:
        setting = dict(t.setting)
        actual = int(t.result[0].shape[0])
        for key, value in t.setting.items():
            if role(str(key)) == "hidden" and isinstance(value, (int, float, np.integer, np.floating)) \
                    and not isinstance(value, bool) and int(value) != actual:
                setting[key] = actual
                if not said_hidden:
                    said_hidden = True
                    problems.append(f"{t.label()} asked for {key}={value} but returned weights with {actual} hidden "
                                    f"units: train ignores its {key!r} argument")
        effective.append(setting_key(setting))
    copies = near_copies(done, lambda t: np.concatenate([np.ravel(b) for b in t.result]))
    for t in done:
        first = copies.get(t.index)
        if first is not None and setting_key(first.setting) != setting_key(t.setting) and not said_identical:
            said_identical = True
            exact = all(np.array_equal(x, y) for x, y in zip(first.result, t.result))
            problems.append(f"{first.label()} and {t.label()} returned {'identical weights' if exact else 'the same weights up to noise'} "
                            "although their settings differ: train ignores (some of) the hyperparameters it is "
                            "given, or reuses weights, so such trials count as one setting")
    return min(len(set(effective)), len(done) - len(copies)), problems


@check
def search_settings(ctx: CheckContext) -> Outcome:
    found = ctx.fact(search)
    if found.problem is not None:
        return found.problem
    done = found.completed
    k = distinct(found.trials)
    visible = any(key != HIDDEN_FROM_W for t in done for key in t.setting) or \
        len({t.setting.get(HIDDEN_FROM_W) for t in done}) > 1
    text = (f"{found.function} called train {len(found.trials)} time(s); {len(done)} returned usable weights; "
            f"{k} distinct setting(s)")
    effective, problems = without_effect(found.trials)
    mistakes = []
    if effective < k:
        k = effective
        text += f", of which {k} had an effect on the weights ({'; '.join(problems)})"
        mistakes.append("ignores-hyperparameters")
    if done and not visible:
        k = min(k, 1)
        text += " (no hyperparameter was visible in the calls: pass them as train's arguments or module globals)"
    stopped = f"; {found.stopped}" if found.stopped else ""
    hint = None
    if k < MIN_SETTINGS:
        hint = (f"try at least {MIN_SETTINGS} different settings, calling train once per setting" +
                ("; train must use the hyperparameters it is given" if problems else ""))
        mistakes.append("few-settings")
    return Outcome(min(1.0, k / MIN_SETTINGS), text + stopped, hint=hint, mistakes=tuple(mistakes))


def chosen_trial(found: SearchRecord) -> tuple[Trial | None, str]:
    """The trial whose setting the search returned (or whose weights it
    returned), and how it was matched."""
    matched = returned_choice(found)
    if matched is not None:
        return matched
    value = found.returned
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size > 100:
        for t in reversed(found.completed):
            packed = pack(t.result)
            if packed.size == value.size and (np.allclose(packed, value, atol=0) or
                                              np.array_equal(np.sort(value), np.sort(packed))):
                return t, "by the returned weights"
        return None, "the returned weights are none of the trials' weights"
    return None, (f"{found.function} returned {type(value).__name__}; expected a dict of train's keyword arguments "
                  "naming the best setting")


def test_figures(ctx: CheckContext) -> TestFigures | Outcome:
    """(c): the chosen trial's weights on the test set, which only the grader loads."""
    found = ctx.fact(search)
    if found.problem is not None:
        return Outcome(0.0, f"no chosen setting to evaluate: {found.problem.output}")
    picked = chosen(ctx, found, chosen_trial)
    if picked is None:
        return Outcome(0.0, "no trial produced weights to evaluate on the test set")
    ds = ctx.dataset("mnist")
    X = np.asarray(ds.load("test", "images"), dtype=np.float64).T
    Y = np.asarray(ds.load("test", "labels"), dtype=np.float64).T
    blocks = picked.trial.result
    return measure(ctx, blocks, picked.label, X, Y, evaluate=evaluation.evaluate,
                   predicted=evaluation.logits(blocks, X).argmax(0), labels=Y.argmax(0), images=X.T,
                   classes=[str(d) for d in range(10)], how="the grader's forward pass on the weights this trial "
                                                             "returned", ce_ramp=True, seconds=picked.trial.seconds)


MORE = "more epochs, a better learning rate or more hidden units"
PIPELINE = Pipeline(search, chosen_trial, "train", test_figures=test_figures,
                    n_train=lambda ctx: ctx.fact(load_data).n_train,
                    hints={"choice_is_best.unmatched": "return the best setting as a dict, e.g. {'hidden': 50, "
                                                       "'lr': 0.1, ...}", "test_ce": MORE, "test_accuracy": MORE})
"""b.2 (training.choice_is_best), b.3 (training.trained_on_training_data) and (c) (training.test_ce,
training.test_accuracy) are the core's."""
