"""The facts a training homework's items share, built by the core from what
its ``Pipeline`` declares (its ``Split``, ``Fixed``, ``Search`` and
``TestSet``): the data, as handed over, the fixed-setting run, the recorded
search and the chosen model on the test set. Each is computed once per
submission (``ctx.fact``); a homework whose search or test set differs
declares its own fact in the pipeline instead."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from grader.rubric import Outcome
from grader.training.fixed import FixedRun, run_fixed, shown
from grader.training.search import VAL_CE, Run, chosen, run_search
from grader.training.split import SplitData, handed_over
from grader.training.testset import TestFigures, measure
from grader.training.trials import SearchRecord

if TYPE_CHECKING:
    from grader.context import CheckContext


def pipeline_of(ctx: CheckContext) -> Any:
    """The homework's ``Pipeline`` (a training fact or item in a homework without one is the plug-in's bug)."""
    found = ctx.plugin.pipeline
    assert found is not None, "a training fact or item in a homework whose plug-in declares no training pipeline"
    return found


def data(ctx: CheckContext) -> SplitData:
    return pipeline_of(ctx).needs(pipeline_of(ctx).split, "split").data(ctx)


def handed(ctx: CheckContext) -> dict[str, Any]:
    """The data by role as the student's functions take it (``Pipeline.handed`` adapts it)."""
    p = pipeline_of(ctx)
    return p.handed(ctx, ctx.fact(data)) if p.handed else handed_over(ctx.fact(data))


def n_train(ctx: CheckContext) -> int:
    return ctx.fact(data).files.n_train


def fixed_run(ctx: CheckContext) -> FixedRun | Outcome:
    """The training function once at the profile's fixed setting (``Fixed.values``), scored on validation."""
    spec, d = pipeline_of(ctx).fixed, ctx.fact(data)
    values = dict(spec.values(ctx.settings))
    return run_fixed(ctx, spec, {**ctx.fact(handed), **values}, (d.val_X, d.val_Y), shown=shown(values),
                     description=d.files.description, epochs=values.get("epochs", 1))


def search(ctx: CheckContext) -> SearchRecord:
    """The search called once on the handed-over data, its training function spied on."""
    p = pipeline_of(ctx)
    spec = p.searched
    if not ctx.defines(spec.function):
        return SearchRecord(None, (), problem=spec.missing)
    d = ctx.fact(data)
    timeout = p.replay_timeout
    return run_search(ctx, spec, Run(
        spec.function, ctx.fact(handed), spec.read, (d.val_X, d.val_Y), choose=p.choose,
        timeout=(lambda trial: timeout(ctx)) if timeout else None,
        description=f"  {spec.function} on {d.files.description}; each trial is scored by the grader on the "
                    f"{d.files.n_val:,} validation images"))


def test_figures(ctx: CheckContext) -> TestFigures | Outcome:
    """The search's chosen model on the test set, which only the grader loads;
    without a usable search, the fixed-setting run's model where the test set
    allows it (``TestSet.or_fixed``, said so)."""
    p = pipeline_of(ctx)
    t = p.test
    found = ctx.fact(p.search)
    usable = (lambda trial: not p.diverged(trial.figures.get(VAL_CE, math.nan))) if math.isfinite(p.diverged_ce) \
        else (lambda trial: True)
    picked = chosen(ctx, found, p.choose, fallback=t.fallback, usable=usable) if found.problem is None else None
    if picked is not None:
        model, label, seconds = picked.trial.result, picked.label, picked.trial.seconds
    elif t.or_fixed and p.fixed_run is not None:
        run = ctx.fact(p.fixed_run)
        if isinstance(run, Outcome):
            return Outcome(0.0, f"no {t.noun} to evaluate: {run.output}")
        name = p.searched.function
        reason = f"{name} is not defined" if not ctx.defines(name) else "the search gave no usable trial"
        model, label, seconds = run.model, f"the fixed-setting run ({run.setting}; {reason})", run.seconds
    elif found.problem is not None:
        return Outcome(0.0, f"no chosen {t.noun} to evaluate: {found.problem.output}")
    else:
        return Outcome(0.0, f"no trial returned a {t.noun} the grader could evaluate")
    X, Y = p.split.test_set(ctx)
    X, Y = (X.T, Y.T) if t.columns else (X, Y)
    return measure(ctx, model, label, X, Y, evaluate=p.searched.evaluate, predicted=t.predict(model, X),
                   labels=Y.argmax(0 if t.columns else 1), images=X.T if t.columns else X, classes=t.classes,
                   how=t.how, ce_ramp=t.ce_ramp, seconds=seconds)
