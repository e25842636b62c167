"""The built-in items of a training homework, named in its manifest as
``check = "training.<name>"``: each asks the homework's ``Pipeline`` for the
facts it judges and the profile's settings for its thresholds, and speaks the
course's words through the pipeline's hints."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable

from grader.rubric import Outcome
from grader.training import BUILTIN_PREFIX
from grader.training.facts import pipeline_of
from grader.training.fixed import learns
from grader.training.search import VAL_ACC, VAL_CE, note_choice, settings_tried_outcome
from grader.training.settings import best, distinct
from grader.training.testset import accuracy_outcome, ce_outcome
from grader.training.trials import mark_chosen

if TYPE_CHECKING:
    from grader.context import CheckContext
    from grader.training.pipeline import Pipeline


def _pipeline(ctx: CheckContext) -> Pipeline:
    return pipeline_of(ctx)


def fixed_learns(ctx: CheckContext) -> Outcome:
    """The fixed-setting run reaches the profile's ``fixed_accuracy`` on validation (from chance at 20%)."""
    p = _pipeline(ctx)
    return learns(ctx.fact(p.needs(p.fixed_run, "fixed_learns")), floor=ctx.settings.fixed_accuracy,
                  diverged=p.diverged,
                  diverged_hint=p.hint("fixed_learns.diverged"), hint=p.hint("fixed_learns"))


def settings_tried(ctx: CheckContext) -> Outcome:
    """Distinct settings tried that changed the trained model, of the profile's ``min_settings``."""
    p = _pipeline(ctx)
    found = ctx.fact(p.needs(p.search, "search"))
    effective = p.effective(ctx, found) if p.effective else (distinct(found.trials), [])
    return settings_tried_outcome(found, train=p.train, wanted=ctx.settings.min_settings, effective=effective,
                                  hint=p.hint("settings_tried"),
                                  visible=p.visible, setting=p.setting, diverged=(
                                      lambda t: p.diverged(t.figures.get(VAL_CE, math.nan)))
                                  if math.isfinite(p.diverged_ce) else None)


def choice_is_best(ctx: CheckContext) -> Outcome:
    """The setting the search returned is the best of its trials on validation (CE or accuracy)."""
    p = _pipeline(ctx)
    found = ctx.fact(p.needs(p.search, "search"))
    if found.problem is not None:
        return found.problem
    done = [t for t in found.trials if t.completed and math.isfinite(t.figures[VAL_CE])]
    if not done:
        return Outcome(0.0, "no trial returned weights the grader could evaluate" +
                       (f"; {found.stopped}" if found.stopped else ""))
    if not found.ok:
        return Outcome(0.0, f"{found.stopped}; its choice is unknown, so it cannot be judged")
    chosen, how = p.choose(found)
    if chosen is None:
        return Outcome(0.0, how, hint=p.hint("choice_is_best.unmatched"), mistakes=("unmatched-choice",))
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


def trained_on_training_data(ctx: CheckContext) -> Outcome:
    """Every completed trial trained on the training data handed over (never the validation or test data)."""
    p = _pipeline(ctx)
    found = ctx.fact(p.needs(p.search, "search"))
    if found.problem is not None:
        return found.problem
    n_train = p.needs(p.n_train, "trained_on_training_data")(ctx)
    if not found.trials:
        return Outcome(0.0, f"{found.function} never called train")
    trials = found.completed
    if not trials:
        return Outcome(0.0, f"none of the {len(found.trials)} train call(s) of {found.function} completed with "
                            "weights, so no trial's training data can be credited" +
                       (f"; {found.stopped}" if found.stopped else ""))
    wrong = [t for t in trials if t.train_examples is not None and t.train_examples != n_train]
    unknown = [t for t in trials if t.train_examples is None]
    base = ("the test set is held by the grader and never given to your code, so selection can only use the "
            "validation data")
    if wrong:
        t = wrong[0]
        return Outcome(1 - len(wrong) / len(trials),
                       f"{len(wrong)} of {len(trials)} completed trials trained on {t.train_examples:,} examples, not "
                       f"the {n_train:,} training examples ({t.label()}); {base}",
                       hint="train every trial on trainX, trainY; use valX, valY only to compare the settings",
                       mistakes=("wrong-training-data",))
    if unknown and len(unknown) == len(trials):
        return Outcome(0.5, f"the training data of the trials could not be seen in train's arguments; {base}")
    which = "every trial" if len(trials) == len(found.trials) else \
        f"every completed trial ({len(trials)} of {len(found.trials)} calls)"
    return Outcome(1.0, f"{which} trained on the {n_train:,} training examples; {base}")


def test_accuracy(ctx: CheckContext) -> Outcome:
    """The chosen model's test accuracy: full credit at the profile's ``test_accuracy``, none at its floor;
    its training time reported, never graded; a chosen setting that diverged named."""
    p = _pipeline(ctx)
    found = ctx.fact(p.needs(p.test_figures, "test_accuracy"))
    timing = f"; training took {found.seconds:.1f} s (reported, not graded)" \
        if not isinstance(found, Outcome) and found.seconds is not None else ""
    outcome = accuracy_outcome(ctx, found, hint=p.hint("test_accuracy"), extra=timing)
    if not isinstance(found, Outcome) and p.diverged(found.ce) and math.isfinite(p.diverged_ce):
        return Outcome(outcome.fraction, outcome.output + f": the chosen {p.setting} diverged", hint=outcome.hint,
                       mistakes=("diverged",))
    return outcome


def test_ce(ctx: CheckContext) -> Outcome:
    """The chosen model's test cross-entropy: full credit below the profile's ``test_ce``, none at its floor."""
    p = _pipeline(ctx)
    return ce_outcome(ctx, ctx.fact(p.needs(p.test_figures, "test_ce")), hint=p.hint("test_ce"))


NEEDS = {BUILTIN_PREFIX + "fixed_learns": "fixed_run", BUILTIN_PREFIX + "trained_on_training_data": "n_train",
         BUILTIN_PREFIX + "test_accuracy": "test_figures", BUILTIN_PREFIX + "test_ce": "test_figures"}
"""Built-in item -> the fact its pipeline must declare (validated when the plug-in loads)."""
BUILTIN: dict[str, Callable[[CheckContext], Outcome]] = {
    BUILTIN_PREFIX + check.__name__: check for check in (fixed_learns, settings_tried, choice_is_best,
                                                 trained_on_training_data, test_accuracy, test_ce)}
