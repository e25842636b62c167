"""What a recorded search's trials amount to: their settings told apart,
the trial a search's return value names, the best one by a figure, and the
trials whose weights are copies of another's (a training function that
ignores its hyperparameters, or weights reused)."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grader.checks.signature import role
from grader.training.trials import SearchRecord, Trial, scalar


def setting_key(setting: Mapping[str, Any]) -> str:
    return repr(sorted(setting.items()))


def distinct(trials: Sequence[Trial]) -> int:
    """Distinct settings among the completed trials."""
    return len({setting_key(t.setting) for t in trials if t.completed})


def effective_settings(trials: Sequence[Trial], vector: Callable[[Trial], np.ndarray], *,
                       actual: Callable[[Trial], Mapping[str, Any]] | None = None) -> tuple[int, list[str]]:
    """Distinct settings that changed what training returned, and why some did
    not: a trial whose result shows another value than it asked for
    (``actual(trial)``: setting -> the value its result has, e.g. the hidden
    units its weights have) counts as that value; trials with different
    settings and the same results up to noise (a training function that
    ignores the hyperparameters it is given, seeded alike; or a result reused
    with a little noise added) count as one."""
    done = [t for t in trials if t.completed]
    problems: list[str] = []
    keys = []
    for t in done:
        setting = dict(t.setting)
        for key, value in (actual(t) if actual else {}).items():
            if key in setting and setting[key] != value:
                if not problems:
                    problems.append(f"{t.label()} asked for {key}={setting[key]} but its result has {key}={value}: "
                                    f"training ignores its {key!r} argument")
                setting[key] = value
        keys.append(setting_key(setting))
    copies = near_copies(done, vector)
    by_index = {t.index: t for t in done}
    problems += [copy_problem(first, by_index[index], vector) for index, first in copies.items()
                 if setting_key(first.setting) != setting_key(by_index[index].setting)][:1]
    return min(len(set(keys)), len(done) - len(copies)), problems


def copy_problem(first: Trial, later: Trial, vector: Callable[[Trial], np.ndarray]) -> str:
    exact = np.array_equal(vector(first), vector(later))
    return (f"{first.label()} and {later.label()} returned {'identical weights' if exact else 'the same weights up to noise'} "
            "although their settings differ: training ignores (some of) the hyperparameters it is given, or reuses "
            "weights, so such trials count as one setting")


def matches(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float, np.integer, np.floating)) and isinstance(b, (int, float, np.integer, np.floating)):
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=0))
    return bool(a == b)


def trial_for_dict(trials: Sequence[Trial], value: Mapping[str, Any]) -> Trial | None:
    """The last completed trial whose setting the returned dict names.

    Keys match by name or by role (``learning_rate`` names ``lr``); module
    globals that did not vary between trials count too (``NUM_EPOCHS = 1``)."""
    found = None
    for t in trials:
        if not t.completed:
            continue
        given = {role(str(k)) for k in t.setting} - {None}
        fixed = {k: v for k, v in t.globals.items() if role(k) not in given}
        keyed = {role(k) or k: v for k, v in fixed.items()}
        keyed.update({role(k) or k: v for k, v in t.setting.items()})
        plain = {**fixed, **t.setting}
        if all((k in plain and matches(plain[k], v)) or
               (role(str(k)) in keyed and matches(keyed[role(str(k)) or k], v)) for k, v in value.items()):
            found = t
    return found


def trial_for_values(trials: Sequence[Trial], values: Sequence[Any]) -> Trial | None:
    """The last completed trial whose setting holds every one of ``values``
    (a search that returned a tuple of hyperparameters)."""
    for t in reversed([t for t in trials if t.completed]):
        if all(any(matches(v, u) for u in t.setting.values()) for v in values):
            return t
    return None


def returned_choice(record: SearchRecord) -> tuple[Trial | None, str] | None:
    """The trial a search's return value names, and how it was matched: a
    dict of keyword arguments (alone or inside a tuple), or a tuple of the
    hyperparameters' values. None when the value is neither (the caller may
    know other forms, such as returned weights)."""
    value = record.returned
    if isinstance(value, (tuple, list)) and value and any(isinstance(v, dict) for v in value):
        value = next(v for v in value if isinstance(v, dict))
    if isinstance(value, dict) and value:
        trial = trial_for_dict(record.trials, value)
        return (trial, "by the returned dict") if trial else \
            (None, f"the returned dict {value!r:.200} matches none of the trials' settings")
    if isinstance(value, (tuple, list)) and value and all(scalar(v) for v in value):
        trial = trial_for_values(record.trials, value)
        return (trial, "by the returned values") if trial else \
            (None, f"the returned values {value!r:.200} match none of the trials' settings")
    return None


def best(trials: Sequence[Trial], figure: str, *, lowest: bool = True) -> Trial | None:
    usable = [t for t in trials if t.completed and np.isfinite(t.figures.get(figure, np.nan))]
    if not usable:
        return None
    return (min if lowest else max)(usable, key=lambda t: t.figures[figure])


# -- copies ----------------------------------------------------------------------
COPY_TOLERANCE = 1e-4
"""Weights of two trials closer than this (relative, in norm) are one set of
weights up to noise: no two trainings with different settings land there."""


def near_copies(trials: Sequence[Trial], vector: Callable[[Trial], np.ndarray]) -> dict[int, Trial]:
    """For each completed trial whose weights equal, up to noise, those of an
    earlier trial: the first such trial (by index). Identical weights count.

    Each trial's weights are projected on 16 fixed random directions once
    (trials x size), then the projections compared pairwise (trials^2 x 16);
    a pair that looks close is confirmed on the full weights."""
    done = [t for t in trials if t.completed]
    flat = {t.index: np.asarray(vector(t), dtype=np.float64).ravel() for t in done}
    directions: dict[int, np.ndarray] = {}
    projected: dict[int, tuple[np.ndarray, float]] = {}
    for t in done:
        v = flat[t.index]
        if v.size not in directions:
            directions[v.size] = np.random.default_rng(v.size).standard_normal((16, v.size)) / np.sqrt(16)
        with np.errstate(all="ignore"):
            projected[t.index] = directions[v.size] @ v, float(np.linalg.norm(v))
    copies: dict[int, Trial] = {}
    for j, later in enumerate(done):
        p, size = projected[later.index]
        if not np.isfinite(size) or size == 0:
            continue
        for earlier in done[:j]:
            q, _ = projected[earlier.index]
            if q.shape != p.shape:
                continue
            if np.linalg.norm(p - q) < 4 * COPY_TOLERANCE * size and \
                    np.linalg.norm(flat[later.index] - flat[earlier.index]) < COPY_TOLERANCE * size:
                copies[later.index] = earlier
                break
    return copies
