"""Problem 3 of hw2_softmax, experiment tracking with Weights & Biases, graded
from what the grader's offline wandb stand-in recorded while
findBestHyperparameters ran (runs, their project and config, the config keys
read back, every logged row, how each run ended).

3.A (4 points): a run per combination tried (a new ``wandb.init(...,
reinit=True)`` each, 1.5), one project set for all (1), a config holding the
trial's hyperparameters (1) and read back through ``wandb.config`` (0.5).
3.B (2 points): every run logs a row with the validation loss and accuracy at
every epoch (1.5) and ends with ``wandb.finish()`` (0.5).
Runs and trials pair up in order: the k-th run started is the k-th setting.
"""

from __future__ import annotations

import re
from typing import Any

from grader.checks.signature import role
from grader.context import CheckContext
from grader.plugin import check
from grader.rubric import Outcome
from grader.training import facts
from grader.training.settings import matches
from grader.training.trials import Trial

INIT_HINT = ("in findBestHyperparameters, for each setting: wandb.init(project=\"...\", config={...the setting...}, "
             "reinit=True), read the setting back from wandb.config, train, then wandb.finish()")
LOG_HINT = "after every epoch: wandb.log({\"val_loss\": ..., \"val_accuracy\": ...})"


def _runs(ctx: CheckContext) -> tuple[list[dict[str, Any]], list[Trial]] | Outcome:
    found = ctx.fact(facts.search)
    if found.problem is not None:
        return Outcome(0.0, f"no search to track: {found.problem.output}", hint=found.problem.hint)
    recorded = found.records.get("wandb")
    runs = [_plain(run) for run in (recorded if isinstance(recorded, list) else []) if isinstance(run, dict)]
    if not runs:
        return Outcome(0.0, "no wandb run was started while findBestHyperparameters ran (wandb.init was never "
                            "called there)", hint=INIT_HINT, mistakes=("no-wandb",))
    return runs, list(found.trials)


def _plain(run: dict[str, Any]) -> dict[str, Any]:
    """A run record with each field of the type the items read: the child
    sends these records, and student code can forge them (a field of another
    type counts as missing)."""
    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    return {"project": text(run.get("project")), "closed_by": text(run.get("closed_by")),
            "config": run.get("config") if isinstance(run.get("config"), dict) else {},
            "rows": run.get("rows") if isinstance(run.get("rows"), list) else [],
            "read": bool(run.get("read")), "implicit": bool(run.get("implicit")), "reinit": bool(run.get("reinit"))}


def _numbers(values: Any) -> list[Any]:
    return [v for v in (values.values() if isinstance(values, dict) else []) if isinstance(v, (int, float))]


def _holds(run: dict[str, Any], trial: Trial) -> bool:
    """The run's config holds every hyperparameter value of the trial."""
    config = _numbers(run.get("config"))
    wanted = [v for k, v in trial.setting.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return bool(wanted) and all(any(matches(v, c) for c in config) for v in wanted)


@check
def runs_per_setting(ctx: CheckContext) -> Outcome:
    found = _runs(ctx)
    if isinstance(found, Outcome):
        return found
    runs, trials = found
    separate = [run for i, run in enumerate(runs) if not run.get("implicit")
                and not (run.get("closed_by") == "the next wandb.init" and i + 1 < len(runs)
                         and not runs[i + 1].get("reinit"))]
    wanted = max(1, len(trials))
    one_each = min(1.0, len(separate) / wanted)
    projects = {run.get("project") for run in runs}
    one_project = float(len(projects) == 1 and None not in projects and "" not in projects)
    pairs = list(zip(runs, trials))
    held = sum(_holds(run, trial) for run, trial in pairs) / max(1, len(pairs))
    read = sum(bool(run.get("read")) for run in runs) / len(runs)
    fraction = (1.5 * one_each + one_project + held + 0.5 * read) / 4
    parts = [f"{len(runs)} run(s) for {len(trials)} training call(s)"]
    mistakes = []
    implicit = sum(bool(run.get("implicit")) for run in runs)
    if implicit:
        parts.append(f"{implicit} run(s) logged to without wandb.init (W&B itself would have stopped there)")
        mistakes.append("no-init")
    if len(separate) + implicit < len(runs):
        parts.append(f"{len(runs) - len(separate) - implicit} run(s) were still open when the next wandb.init came "
                     "without reinit=True (W&B would have continued the same run)")
        mistakes.append("no-reinit")
    elif one_each < 1:
        parts.append("fewer runs than settings: start one run per setting")
        mistakes.append("runs-missing")
    if not one_project:
        shown = ", ".join(sorted(repr(p) for p in projects))
        parts.append(f"projects {shown}: set project=... the same in every wandb.init")
        mistakes.append("project")
    if held < 1:
        parts.append(f"{sum(not _holds(r, t) for r, t in pairs)} run(s) without their setting's hyperparameters "
                     "in config")
        mistakes.append("config")
    if read < 1:
        parts.append("hyperparameters not read back through wandb.config in "
                     f"{sum(not run.get('read') for run in runs)} run(s)")
        mistakes.append("config-unread")
    if fraction >= 1:
        return Outcome(1.0, f"{len(runs)} runs, one per setting, in project {runs[0].get('project')!r}; each "
                            "config holds its setting and was read back through wandb.config")
    return Outcome(fraction, "; ".join(parts), hint=INIT_HINT, mistakes=tuple(mistakes))


def _key(row: dict[str, Any], *words: str) -> bool:
    return any(re.search(r"val", str(key).lower()) and any(w in str(key).lower() for w in words)
               and isinstance(value, (int, float)) for key, value in row.items())


def _epochs(trial: Trial | None) -> int:
    if trial is None:
        return 1
    for key, value in trial.setting.items():
        if role(str(key)) == "epochs" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return max(1, int(value))
    return 1


@check
def logging(ctx: CheckContext) -> Outcome:
    found = _runs(ctx)
    if isinstance(found, Outcome):
        return found
    runs, trials = found
    logged, finished, problems = 0.0, 0.0, []
    for i, run in enumerate(runs):
        trial = trials[i] if i < len(trials) else None
        rows = [row for row in run.get("rows", []) if isinstance(row, dict)]
        both = [row for row in rows if _key(row, "loss", "ce", "cost", "entropy") and _key(row, "acc")]
        epochs = _epochs(trial)
        logged += min(1.0, len(both) / epochs)
        if len(both) < epochs and len(problems) < 3:
            keys = sorted({str(k) for row in rows for k in row if not str(k).startswith("_")})[:8]
            problems.append(f"run {i + 1}: {len(both)} row(s) with a validation loss and accuracy for {epochs} "
                            f"epoch(s) (logged keys: {', '.join(keys) or 'none'})")
        ended = run.get("closed_by") in ("wandb.finish", "the end of a with block", "wandb.agent")
        finished += ended
        if not ended and len(problems) < 3:
            problems.append(f"run {i + 1} ended by {run.get('closed_by') or 'nothing'}, not wandb.finish()")
    fraction = (1.5 * logged / len(runs) + 0.5 * finished / len(runs)) / 2
    if fraction >= 1:
        return Outcome(1.0, f"every one of the {len(runs)} runs logged the validation loss and accuracy every "
                            "epoch and ended with wandb.finish()")
    return Outcome(fraction, "; ".join(problems), hint=LOG_HINT + ", then wandb.finish()",
                   mistakes=tuple(m for m, bad in (("log-rows", logged < len(runs)), ("no-finish", finished < len(runs)))
                                  if bad))
