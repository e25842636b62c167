"""(b) findBestHyperparameters of hw6_mnist: the search runs once with the
module's ``train`` spied on (``grader.checks.search``); every trial's weights
are evaluated on the validation set by the grader as they arrive. b.1 counts
the distinct settings that had an effect, b.2 judges the choice, b.3 the data.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

import numpy as np

from grader.checks.search import SearchRecord, Trial, best, distinct, mark_chosen, near_copies, returned_choice, \
    setting_key
from grader.checks.signature import role
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome
from grader.training.search import VAL_ACC, VAL_CE, Run, Search, note_choice, run_search

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


@check
def search_choice(ctx: CheckContext) -> Outcome:
    found = ctx.fact(search)
    if found.problem is not None:
        return found.problem
    done = [t for t in found.trials if t.completed and math.isfinite(t.figures[VAL_CE])]
    if not done:
        return Outcome(0.0, "no trial returned weights the grader could evaluate" +
                       (f"; {found.stopped}" if found.stopped else ""))
    if not found.ok:
        return Outcome(0.0, f"{found.stopped}; its choice is unknown, so it cannot be judged")
    chosen, how = chosen_trial(found)
    if chosen is None:
        return Outcome(0.0, how, hint="return the best setting as a dict, e.g. {'hidden': 50, 'lr': 0.1, ...}",
                       mistakes=("unmatched-choice",))
    note_choice(ctx, found, chosen, how)
    mark_chosen(ctx, chosen, how)
    best_ce, best_acc = best(done, VAL_CE), best(done, VAL_ACC, lowest=False)
    assert best_ce is not None and best_acc is not None
    ce, acc = chosen.figures.get(VAL_CE, float("nan")), chosen.figures.get(VAL_ACC, 0.0)
    table = f"chosen {chosen.label()}: validation CE {ce:.4f}, accuracy {acc:.2%}"
    if ce <= best_ce.figures[VAL_CE] + 1e-9 or acc >= best_acc.figures[VAL_ACC] - 1e-12:
        return Outcome(1.0, f"{table}: the best of {len(done)} trials on the validation set (grader's evaluation)")
    return Outcome(0.0, f"{table}; but {best_ce.label()} did better on validation (CE {best_ce.figures[VAL_CE]:.4f}, "
                        f"accuracy {best_ce.figures[VAL_ACC]:.2%})",
                   hint="keep the setting with the lowest validation loss (or highest validation accuracy) "
                        "over all the trials", mistakes=("worse-choice",))


@check
def search_data(ctx: CheckContext) -> Outcome:
    found = ctx.fact(search)
    if found.problem is not None:
        return found.problem
    d = ctx.fact(load_data)
    if not found.trials:
        return Outcome(0.0, f"{found.function} never called train")
    trials = found.completed
    if not trials:
        return Outcome(0.0, f"none of the {len(found.trials)} train call(s) of {found.function} completed with "
                            "weights, so no trial's training data can be credited" +
                       (f"; {found.stopped}" if found.stopped else ""))
    wrong = [t for t in trials if t.train_examples is not None and t.train_examples != d.n_train]
    unknown = [t for t in trials if t.train_examples is None]
    base = ("the test set is held by the grader and never given to your code, so selection can only use the "
            "validation data")
    if wrong:
        t = wrong[0]
        return Outcome(1 - len(wrong) / len(trials),
                       f"{len(wrong)} of {len(trials)} completed trials trained on {t.train_examples:,} examples, not "
                       f"the {d.n_train:,} training examples ({t.label()}); {base}",
                       hint="train every trial on trainX, trainY; use valX, valY only to compare the settings",
                       mistakes=("wrong-training-data",))
    if unknown and len(unknown) == len(trials):
        return Outcome(0.5, f"the training data of the trials could not be seen in train's arguments; {base}")
    which = "every trial" if len(trials) == len(found.trials) else \
        f"every completed trial ({len(trials)} of {len(found.trials)} calls)"
    return Outcome(1.0, f"{which} trained on the {d.n_train:,} training examples; {base}")
