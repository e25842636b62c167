"""(b) findBestHyperparameters and (c) test performance of its choice.

The search runs once, with the module's ``train`` spied on: each call's
hyperparameters (arguments and the module's scalar globals) and returned
weights arrive live, and the grader evaluates every trial on the validation
set with its own forward pass, showing progress as it goes. (b) is judged
on those trials; (c) evaluates the chosen trial's weights on the test set,
which is loaded here and never reaches the child.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.grading import CheckContext, sibling
from grader.rubric import Outcome, ramp



adapt = sibling(__file__, "adapt")
solution = sibling(__file__, "solution")
network = sibling(__file__, "network")
search = sibling(__file__, "search")


@dataclass
class Trial:
    index: int
    arguments: dict[str, Any]
    """Scalar arguments by the student's parameter names."""
    globals: dict[str, Any]
    train_examples: int | None
    seconds: float | None = None
    blocks: tuple[np.ndarray, ...] | None = None
    val: tuple[float, float] | None = None
    problem: str | None = None
    setting: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        shown = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.setting.items())
        return f"trial {self.index + 1} ({shown or 'no visible hyperparameters'})"


@dataclass
class Search:
    name: str | None
    trials: list[Trial]
    returned: Any = None
    ok: bool = False
    problem: Outcome | None = None
    stopped: str | None = None
    seconds: float = 0.0


def _scalar(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool, np.integer, np.floating)) and not isinstance(value, np.ndarray)


def _examples(value: Any) -> int | None:
    if isinstance(value, dict) and "shape" in value and adapt.NUM_INPUT in value["shape"]:
        shape = [n for n in value["shape"] if n != adapt.NUM_INPUT]
        return shape[0] if shape else adapt.NUM_INPUT
    if isinstance(value, np.ndarray) and value.ndim == 2 and adapt.NUM_INPUT in value.shape:
        return value.shape[1] if value.shape[0] == adapt.NUM_INPUT else value.shape[0]
    return None


def _trial_from_call(index: int, value: Any, params: list[dict[str, Any]] | None) -> Trial:
    value = value if isinstance(value, dict) else {}
    names = [p["name"] for p in params or [] if p["kind"] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")]
    arguments, examples = {}, None
    for i, arg in enumerate(value.get("args", [])):
        name = names[i] if i < len(names) else f"arg{i + 1}"
        examples = examples if examples is not None else _examples(arg)
        if _scalar(arg):
            arguments[name] = arg
    for name, arg in (value.get("kwargs") or {}).items():
        if adapt.role(name) == "trainX" or examples is None:
            examples = _examples(arg) if _examples(arg) is not None else examples
        if _scalar(arg):
            arguments[name] = arg
    found = value.get("globals") or {}
    return Trial(index, arguments, dict(found) if isinstance(found, dict) else {}, examples)


def run_search(ctx: CheckContext) -> Search:
    if "search" in ctx.shared:
        return ctx.shared["search"]
    name, note = adapt.search_function(ctx.imported.functions)
    if name is None:
        result = Search(None, [], problem=Outcome(0.0, f"findBestHyperparameters is not defined; expected "
                                                       f"def {adapt.SEARCH_SIGNATURE}",
                                                  hint="define findBestHyperparameters, spelled exactly so"))
        ctx.shared["search"] = result
        return result
    if note:
        ctx.note(note + ".")
    d = search.data(ctx)
    hidden = network.hidden_units(ctx)
    values = dict(search._oriented_data(ctx, d), w=search.initial_weights(ctx, hidden))
    plan = adapt.plan_call(ctx.imported.functions.get(name), values, what=name, expected=adapt.SEARCH_SIGNATURE)
    if plan.problem:
        result = Search(name, [], problem=Outcome(0.0, plan.problem, hint=f"use {adapt.SEARCH_SIGNATURE}"))
        ctx.shared["search"] = result
        return result
    _data_globals(ctx, name, plan, values)
    params = ctx.imported.functions.get("train")
    layout, _ = network.detect_layout(ctx)
    trials: list[Trial] = []
    ctx.report("message", f"  findBestHyperparameters on {d.description}; validation: mnist/validation "
                          f"({d.n_val:,}); each trial is scored by the grader on the validation set")

    def on_event(event: Any) -> None:
        if event.function != "train":
            return
        if event.event == "spy_call":
            trials.append(_trial_from_call(event.index, event.value, params))
            shown = ", ".join(f"{k}={v}" for k, v in trials[-1].arguments.items())
            ctx.report("message", f"  trial {event.index + 1}: train({shown})")
            return
        trial = next((t for t in trials if t.index == event.index), None)
        if trial is None:
            return
        trial.seconds = event.seconds
        if event.event == "spy_raise":
            trial.problem = f"train raised {event.error.exc_type if event.error else 'an error'}"
            ctx.report("message", f"  trial {event.index + 1}: {trial.problem}")
            return
        blocks, how = search.weights_blocks(ctx, event.value, layout_hint=layout)
        trial.blocks, trial.problem = blocks, (None if blocks is not None else how)
        if blocks is not None:
            trial.val = search.evaluate(blocks, d.val_X, d.val_Y)
            ctx.report("message", f"  trial {event.index + 1}: {event.seconds or 0:.1f} s, validation CE "
                                  f"{trial.val[0]:.4f}, accuracy {trial.val[1]:.2%}")

    started = time.perf_counter()
    result = ctx.session.call(name, *plan.args, spy=("train",), timeout=1e9, on_event=on_event, **plan.kwargs)
    found = Search(name, trials, returned=result.value, ok=result.ok, seconds=time.perf_counter() - started)
    if not result.ok:
        assert result.error is not None
        done = sum(1 for t in trials if t.blocks is not None)
        if result.error.kind == "budget":
            found.stopped = (f"the time budget ran out during {name}, after {done} completed trial(s); "
                             "(b) and (c) are graded on those")
        else:
            found.stopped = f"{name} stopped with an error after {done} completed trial(s): {call_failed(result).output}"
        if trials:
            ctx.note(found.stopped.rstrip(".") + ".")
        else:
            found.problem = call_failed(result, signature=adapt.SEARCH_SIGNATURE)
    _name_settings(trials)
    _exact_layouts(ctx, trials, d)
    ctx.shared["search"] = found
    return found


DATA_GLOBALS = {"trainX": ("trainX", "X_train", "Xtrain", "train_X"), "trainY": ("trainY", "Y_train", "y_train", "Ytrain", "train_Y"),
                "valX": ("valX", "X_val", "Xval", "val_X", "validationX"), "valY": ("valY", "Y_val", "y_val", "Yval", "val_Y", "validationY")}


def _data_globals(ctx: CheckContext, name: str, plan: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A search that takes no data arguments reads the data from module
    globals its script code would have loaded (set aside or guarded when
    grading): the grader sets them, under the usual names, to the same data."""
    missing = [r for r in DATA_GLOBALS if r not in plan.used]
    if len(missing) < len(DATA_GLOBALS):
        return {}
    found = {g: values[r] for r, names in DATA_GLOBALS.items() for g in names}
    ctx.session.set(**found)
    ctx.note(f"{name} takes no data arguments; the grader set the module globals "
             f"{', '.join(names[0] for names in DATA_GLOBALS.values())} (and their usual spellings) to the training "
             "and validation data before calling it, as your script code would have. The test set is never given: "
             "a search that reads testX/testY fails.")
    return found


def _name_settings(trials: list[Trial]) -> None:
    """A trial's setting: its scalar arguments plus the globals that vary
    between trials (hyperparameters a search sets as module globals)."""
    varying = {key for t in trials for key in t.globals
               if len({repr(u.globals.get(key)) for u in trials}) > 1}
    for t in trials:
        t.setting = dict(t.arguments)
        # A global whose role an argument already carries is train's own side
        # effect (e.g. train sets NUM_HIDDEN = hidden): as seen at the call, it
        # holds the previous trial's value, so it is not part of this setting.
        given = {adapt.role(str(k)) for k in t.arguments} - {None}
        t.setting.update({key: t.globals.get(key) for key in sorted(varying) if adapt.role(key) not in given})
    # The template's train(trainX, trainY, testX, testY, w) takes the number of
    # hidden units implicitly, as the size of w: read it off the weights returned.
    for t in trials:
        if t.blocks is not None and not any(adapt.role(str(k)) == "hidden" for k in t.setting):
            t.setting[HIDDEN_FROM_W] = int(t.blocks[0].shape[0])


HIDDEN_FROM_W = "hidden (size of w)"


def _exact_layouts(ctx: CheckContext, trials: list[Trial], d: Any) -> None:
    """Re-read each trial's weights through the student's own unpack, now that
    the child is free again, where the live reading had to assume a layout."""
    layout, _ = network.detect_layout(ctx)
    if layout.family() is not None:
        return  # a standard kind: the live reading was exact
    for t in trials:
        if t.blocks is not None and t.blocks[0].shape[0] != layout.hidden:
            t.problem = "weights of a hidden size whose layout could not be read"


def _distinct(trials: list[Trial]) -> int:
    return len({repr(sorted(t.setting.items())) for t in trials if t.blocks is not None})


def _without_effect(trials: list[Trial]) -> tuple[int, list[str]]:
    """Distinct settings that had an effect, and why some did not: a trial
    asked for a number of hidden units its weights do not have, or trials
    with different settings returned exactly the same weights (a train that
    ignores the hyperparameters it is given, seeded so every run is alike)."""
    done = [t for t in trials if t.blocks is not None]
    problems: list[str] = []
    effective = []
    for t in done:
        setting = dict(t.setting)
        actual = int(t.blocks[0].shape[0])
        for key, value in t.setting.items():
            if adapt.role(str(key)) == "hidden" and isinstance(value, (int, float, np.integer, np.floating)) \
                    and not isinstance(value, bool) and int(value) != actual:
                setting[key] = actual
                if not any("hidden units" in p for p in problems):
                    problems.append(f"{t.label()} asked for {key}={value} but returned weights with {actual} hidden "
                                    f"units: train ignores its {key!r} argument")
        effective.append(repr(sorted(setting.items())))
    weights: dict[bytes, Trial] = {}
    for t in done:
        digest = b"".join(np.ascontiguousarray(b).tobytes() for b in t.blocks)
        first = weights.setdefault(digest, t)
        if first is not t and repr(sorted(first.setting.items())) != repr(sorted(t.setting.items())) and \
                not any("identical weights" in p for p in problems):
            problems.append(f"{first.label()} and {t.label()} returned identical weights although their settings "
                            "differ: train ignores (some of) the hyperparameters it is given, so such trials count "
                            "as one setting")
    return min(len(set(effective)), len(weights)), problems


def search_settings(ctx: CheckContext) -> Outcome:
    found = run_search(ctx)
    if found.problem is not None:
        return found.problem
    done = [t for t in found.trials if t.blocks is not None]
    k = _distinct(found.trials)
    visible = any(key != HIDDEN_FROM_W for t in done for key in t.setting) or \
        len({t.setting.get(HIDDEN_FROM_W) for t in done}) > 1
    text = (f"{found.name} called train {len(found.trials)} time(s); {len(done)} returned usable weights; "
            f"{k} distinct setting(s)")
    effective, problems = _without_effect(found.trials)
    if effective < k:
        k = effective
        text += f", of which {k} had an effect on the weights ({'; '.join(problems)})"
    if done and not visible:
        k = min(k, 1)
        text += " (no hyperparameter was visible in the calls: pass them as train's arguments or module globals)"
    stopped = f"; {found.stopped}" if found.stopped else ""
    hint = None
    if k < gradients_min():
        hint = (f"try at least {gradients_min()} different settings, calling train once per setting" +
                ("; train must use the hyperparameters it is given" if problems else ""))
    return Outcome(min(1.0, k / gradients_min()), text + stopped, hint=hint)


def gradients_min() -> int:
    return search.MIN_SETTINGS


def _matches(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0))
    return a == b


def chosen_trial(found: Search) -> tuple[Trial | None, str]:
    """The trial whose setting the search returned, and how it was matched."""
    done = [t for t in found.trials if t.blocks is not None]
    value = found.returned
    if isinstance(value, (tuple, list)) and value and any(isinstance(v, dict) for v in value):
        value = next(v for v in value if isinstance(v, dict))
    if isinstance(value, dict) and value:
        matches = []
        for t in done:
            # The setting first; then the module globals at the call, for keys
            # that did not vary between trials (e.g. NUM_EPOCHS = 1 in every one).
            given = {adapt.role(str(k)) for k in t.setting} - {None}
            fixed = {k: v for k, v in t.globals.items() if adapt.role(k) not in given}
            keyed = {adapt.role(k) or k: v for k, v in fixed.items()}
            keyed.update({adapt.role(k) or k: v for k, v in t.setting.items()})
            plain = {**fixed, **t.setting}
            hits = [(k in plain and _matches(plain[k], v)) or
                    (adapt.role(str(k)) in keyed and _matches(keyed[adapt.role(str(k))], v)) for k, v in value.items()]
            if all(hits):
                matches.append(t)
        if matches:
            return matches[-1], "by the returned dict"
        return None, f"the returned dict {value!r:.200} matches none of the trials' settings"
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size > 100:
        for t in reversed(done):
            blocks, _ = (t.blocks, "")
            if np.allclose(solution.pack(*blocks), value, atol=0) or any(
                    np.array_equal(np.sort(value), np.sort(solution.pack(*blocks))) for _ in [0]):
                return t, "by the returned weights"
        return None, "the returned weights are none of the trials' weights"
    if isinstance(value, (tuple, list)) and value and all(_scalar(v) for v in value):
        for t in reversed(done):
            values = list(t.setting.values())
            if all(any(_matches(v, u) for u in values) for v in value):
                return t, "by the returned values"
        return None, f"the returned values {value!r:.200} match none of the trials' settings"
    return None, (f"{found.name} returned {type(value).__name__}; expected a dict of train's keyword arguments "
                  "naming the best setting")


def _note_choice(ctx: CheckContext, found: Search, chosen: Trial, how: str) -> None:
    if how == "by the returned dict" and isinstance(found.returned, dict):
        return
    shown = f"{found.returned!r:.120}" if not isinstance(found.returned, np.ndarray) else "weights"
    ctx.note(f"{found.name} returned a {type(found.returned).__name__} ({shown}), not a dict of train's keyword "
             f"arguments; the grader matched it {how} to {chosen.label()}.")


def search_choice(ctx: CheckContext) -> Outcome:
    found = run_search(ctx)
    if found.problem is not None:
        return found.problem
    done = [t for t in found.trials if t.val is not None and math.isfinite(t.val[0])]
    if not done:
        return Outcome(0.0, "no trial returned weights the grader could evaluate" +
                       (f"; {found.stopped}" if found.stopped else ""))
    if not found.ok:
        return Outcome(0.0, f"{found.stopped}; its choice is unknown, so it cannot be judged")
    chosen, how = chosen_trial(found)
    if chosen is None:
        return Outcome(0.0, how, hint="return the best setting as a dict, e.g. {'hidden': 50, 'lr': 0.1, ...}")
    _note_choice(ctx, found, chosen, how)
    best_ce = min(done, key=lambda t: t.val[0])
    best_acc = max(done, key=lambda t: t.val[1])
    ce, acc = chosen.val if chosen.val else (float("nan"), 0.0)
    table = f"chosen {chosen.label()}: validation CE {ce:.4f}, accuracy {acc:.2%}"
    if ce <= best_ce.val[0] + 1e-9 or acc >= best_acc.val[1] - 1e-12:
        return Outcome(1.0, f"{table}: the best of {len(done)} trials on the validation set (grader's evaluation)")
    return Outcome(0.0, f"{table}; but {best_ce.label()} did better on validation (CE {best_ce.val[0]:.4f}, "
                        f"accuracy {best_ce.val[1]:.2%})",
                   hint="keep the setting with the lowest validation loss (or highest validation accuracy) "
                        "over all the trials")


def search_data(ctx: CheckContext) -> Outcome:
    found = run_search(ctx)
    if found.problem is not None:
        return found.problem
    d = search.data(ctx)
    if not found.trials:
        return Outcome(0.0, f"{found.name} never called train")
    trials = [t for t in found.trials if t.blocks is not None]
    if not trials:
        return Outcome(0.0, f"none of the {len(found.trials)} train call(s) of {found.name} completed with weights, "
                            "so no trial's training data can be credited" +
                       (f"; {found.stopped}" if found.stopped else ""))
    wrong = [t for t in trials if t.train_examples is not None and t.train_examples != d.n_train]
    unknown = [t for t in trials if t.train_examples is None]
    base = ("the test set is held by the grader and never given to your code, so selection can only use the "
            "validation data")
    if wrong:
        t = wrong[0]
        return Outcome(1 - len(wrong) / len(trials),
                       f"{len(wrong)} of {len(trials)} completed trials trained on {t.train_examples:,} examples, not the "
                       f"{d.n_train:,} training examples ({t.label()}); {base}",
                       hint="train every trial on trainX, trainY; use valX, valY only to compare the settings")
    if unknown and len(unknown) == len(trials):
        return Outcome(0.5, f"the training data of the trials could not be seen in train's arguments; {base}")
    which = "every trial" if len(trials) == len(found.trials) else \
        f"every completed trial ({len(trials)} of {len(found.trials)} calls)"
    return Outcome(1.0, f"{which} trained on the {d.n_train:,} training examples; {base}")


# -- (c) ----------------------------------------------------------------------------------
def test_metrics(ctx: CheckContext) -> tuple[tuple[float, float], str] | Outcome:
    if "test" in ctx.shared:
        return ctx.shared["test"]
    found = run_search(ctx)
    if found.problem is not None:
        ctx.shared["test"] = Outcome(0.0, f"no chosen setting to evaluate: {found.problem.output}")
        return ctx.shared["test"]
    chosen, how = chosen_trial(found) if found.ok else (None, found.stopped or "")
    if chosen is not None:
        _note_choice(ctx, found, chosen, how)
    done = [t for t in found.trials if t.val is not None and math.isfinite(t.val[0])]
    label = ""
    if chosen is None or chosen.blocks is None:
        if not done:
            ctx.shared["test"] = Outcome(0.0, "no trial produced weights to evaluate on the test set")
            return ctx.shared["test"]
        chosen = min(done, key=lambda t: t.val[0])
        label = f" (the choice could not be identified: {how}; the grader used its best validation trial)"
    ds = ctx.dataset("mnist")
    X = np.asarray(ds.load("test", "images"), dtype=np.float64).T
    Y = np.asarray(ds.load("test", "labels"), dtype=np.float64).T
    metrics = search.evaluate(chosen.blocks, X, Y)
    text = (f"{chosen.label()}{label}: test CE {metrics[0]:.4f}, test accuracy {metrics[1]:.2%} (the grader's "
            f"forward pass on the weights this trial returned; {ctx.profile.name} profile)")
    ctx.report("message", "  " + text)
    ctx.shared["test"] = (metrics, text)
    return ctx.shared["test"]


def test_ce(ctx: CheckContext) -> Outcome:
    found = test_metrics(ctx)
    if isinstance(found, Outcome):
        return found
    (ce, _), text = found
    s = ctx.profile.settings
    threshold, floor = float(s.get("test_ce", 0.16)), float(s.get("test_ce_floor", 0.3))
    fraction = 0.0 if math.isnan(ce) else (1.0 if ce < threshold else ramp(ce, floor=floor, threshold=threshold))
    return Outcome(fraction, f"{text}; threshold CE < {threshold:g} (no credit at {floor:g} or above)",
                   hint=None if fraction >= 1 else "more epochs, a better learning rate or more hidden units")


def test_accuracy(ctx: CheckContext) -> Outcome:
    found = test_metrics(ctx)
    if isinstance(found, Outcome):
        return found
    (_, acc), text = found
    s = ctx.profile.settings
    threshold, floor = float(s.get("test_accuracy", 0.95)), float(s.get("test_accuracy_floor", 0.9))
    fraction = ramp(acc, floor=floor, threshold=threshold)
    return Outcome(fraction, f"{text}; threshold accuracy >= {threshold:.0%} (no credit at {floor:.0%} or below)",
                   hint=None if fraction >= 1 else "more epochs, a better learning rate or more hidden units")
