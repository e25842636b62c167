"""One run of a homework's training function at a fixed, sensible setting,
judged by the grader's evaluation of the model it returns on the validation
split: does the training learn at all, before any search."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from grader.checks.diagnostics import call_failed
from grader.checks.signature import HYPERPARAMETERS, CallPlan, cast, hyper_globals, plan_call
from grader.rubric import Outcome, ramp

if TYPE_CHECKING:
    from grader.context import CheckContext


GLOBAL_CANDIDATES = tuple(
    name for base in ("NUM_HIDDEN", "NUM_EPOCHS", "EPOCHS", "N_EPOCHS", "NEPOCHS", "EPOCH", "BATCH_SIZE", "BATCH",
                      "MINIBATCH_SIZE", "MINI_BATCH_SIZE", "BATCHSIZE", "LEARNING_RATE", "LR", "EPSILON", "ETA",
                      "ALPHA", "REG", "LAMBDA", "LAM", "REGULARIZATION", "REGULARIZATION_STRENGTH", "NUM_ITER")
    for name in (base, base.lower()))
"""Module globals that template-era files read their hyperparameters from."""


@dataclass(frozen=True)
class FixedRun:
    model: Any
    seconds: float
    ce: float
    accuracy: float
    setting: str


@dataclass(frozen=True)
class Fixed:
    """The fixed-setting run: the function, its signature and stub keywords, and how the grader reads its model."""

    train: str
    signature: str
    read: Callable[[Any], "tuple[Any, str | None]"]
    evaluate: Callable[[Any, Any, Any], "tuple[float, float]"]
    keywords: Mapping[str, str]
    """The stub's names of the hyperparameters (role -> name), for a ``**kwargs`` train."""
    returns_hint: str
    """The hint when what it returned cannot be read."""
    values: Callable[[Any], Mapping[str, Any]] = lambda settings: {}
    """The fixed setting by role (``lr``, ``batch``, ``epochs``...), from the profile's settings."""


SHOWN = {"hidden": "{} hidden units", "lr": "learning rate {:g}", "batch": "batch {}", "epochs": "{} epochs",
         "alpha": "alpha {:g}"}


def shown(values: Mapping[str, Any]) -> str:
    """A setting in the feedback's words: ``learning rate 0.1, batch 100, 5 epochs``."""
    return ", ".join(SHOWN[r].format(v) for r, v in values.items() if r in SHOWN)


def run_fixed(ctx: CheckContext, spec: Fixed, values: Mapping[str, Any], val: tuple[Any, Any], *,
              shown: str, description: str, epochs: float) -> FixedRun | Outcome:
    """``spec.train`` called once with the data and the hyperparameters ``values`` (by role)."""
    if not ctx.defines(spec.train):
        return Outcome(0.0, f"{spec.train} is not defined; expected {spec.signature}")
    plan = plan_call(ctx.signature(spec.train), dict(values), what=spec.train, expected=spec.signature,
                     keywords=dict(spec.keywords))
    if plan.problem:
        return Outcome(0.0, plan.problem, hint=f"use {spec.signature}")
    unused = [r for r in HYPERPARAMETERS if r in values and r not in plan.used and r != "alpha"]
    if unused:
        ctx.note(f"{spec.train} has no parameter for the {', '.join(unused)}; for the fixed-setting run its own "
                 "defaults were used.")
    ctx.report(f"  fixed-setting run: {shown}, on {description}")
    result = ctx.session.call(spec.train, *plan.args, timeout=max(ctx.session.limits.call_seconds, 60.0 * epochs),
                              **plan.kwargs)
    if not result.ok:
        return call_failed(result, signature=spec.signature)
    model, note = spec.read(result.value)
    if model is None:
        return Outcome(0.0, f"{spec.train} {note}", hint=spec.returns_hint)
    if note:
        ctx.note(f"{spec.train} {note}; the grader read it that way.")
    return FixedRun(model, result.seconds, *spec.evaluate(model, *val), shown)


def learns(run: FixedRun | Outcome, *, floor: float, diverged: Callable[[float], bool], diverged_hint: str,
           hint: str) -> Outcome:
    """Credit from chance (20%) up to the validation-accuracy ``floor``; none for a run that diverged."""
    if isinstance(run, Outcome):
        return run
    text = (f"validation accuracy {run.accuracy:.2%} (CE {run.ce:.4g}) after {run.setting} ({run.seconds:.1f} s); "
            f"floor {floor:.0%}")
    if diverged(run.ce):
        return Outcome(0.0, f"{text}: the loss {'exploded to NaN/inf' if math.isnan(run.ce) else 'diverged'}",
                       mistakes=("diverged",), hint=diverged_hint)
    fraction = ramp(run.accuracy, floor=0.2, threshold=floor)
    return Outcome(fraction, text, hint=None if fraction >= 1 else hint)


def hyper_plan(ctx: CheckContext, function: str, values: Mapping[str, Any], *,
               expected: str) -> tuple[CallPlan, dict[str, Any], list[str]]:
    """A call plan for a training function, the module globals to set for the
    hyperparameters its signature lacks (a template-era file reads them from
    globals such as NUM_EPOCHS), and the hyperparameters neither can carry."""
    plan = plan_call(ctx.signature(function), dict(values), what=function, expected=expected)
    if plan.problem:
        return plan, {}, []
    by_role = hyper_globals(ctx.session.get(*GLOBAL_CANDIDATES))
    set_globals: dict[str, Any] = {}
    unset: list[str] = []
    for r in HYPERPARAMETERS:
        if r in plan.used or r not in values:
            continue
        if r in by_role:
            set_globals[by_role[r]] = cast(r, values[r])
        elif r != "alpha":
            unset.append(r)
    return plan, set_globals, unset
