"""(b) and (c) of hw6_mnist on the core's training pipeline: findBestHyperparameters
(or its misspelling) runs once with the module's ``train`` spied on, every
trial's weights read in the student's layout and evaluated on the validation
set by the grader as they arrive, hidden sizes read off the weights. The
items, b.1 (settings), b.2 (the choice), b.3 (the data) and (c) (the test
set), are the core's built-in ones.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np

from grader.checks.signature import role
from grader.context import CheckContext
from grader.rubric import Outcome
from grader.training.pipeline import Pipeline
from grader.training.search import Run, Search, run_search
from grader.training.settings import effective_settings, returned_choice
from grader.training.testset import TestSet
from grader.training.trials import SearchRecord, Trial

from . import evaluation
from .layout import NUM_INPUT, pack
from .student import Hw6Submission
from .training import SPLIT, initial_weights, load_data, oriented_data, weights_blocks

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
        description=f"  findBestHyperparameters on {d.files.description}; validation: mnist/validation ({d.files.n_val:,}); "
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


def _actual_hidden(t: Trial) -> dict[str, int]:
    """The hidden units a trial's weights have, under each name its setting asked for them by."""
    return {key: int(t.result[0].shape[0]) for key, value in t.setting.items() if role(str(key)) == "hidden"
            and isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)}


def _visible(done: list[Trial]) -> bool:
    """A hyperparameter showed in the calls (a hidden size read off the weights counts if it varied)."""
    return any(key != HIDDEN_FROM_W for t in done for key in t.setting) or \
        len({t.setting.get(HIDDEN_FROM_W) for t in done}) > 1


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


TEST = TestSet(lambda blocks, X: evaluation.logits(blocks, X).argmax(0), [str(d) for d in range(10)], noun="weights",
               columns=True, ce_ramp=True, how="the grader's forward pass on the weights this trial returned")
"""(c): the chosen trial's weights on the test set, examples as columns."""
MORE = "more epochs, a better learning rate or more hidden units"
PIPELINE = Pipeline(
    choose=chosen_trial, split=SPLIT, searched=SEARCHED, search=search, train="train", visible=_visible, test=TEST,
    n_train=lambda ctx: ctx.fact(load_data).files.n_train,
    effective=lambda ctx, found: effective_settings(found.trials, lambda t: SEARCHED.vector(t.result),
                                                    actual=_actual_hidden),
    hints={"choice_is_best.unmatched": "return the best setting as a dict, e.g. {'hidden': 50, 'lr': 0.1, ...}",
           "test_ce": MORE, "test_accuracy": MORE})
"""b.1 (training.settings_tried), b.2 (training.choice_is_best), b.3 (training.trained_on_training_data)
and (c) (training.test_ce, training.test_accuracy) are the core's."""
