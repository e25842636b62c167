"""The search's bookkeeping on many trials: linear in trials x globals, and
weights reused up to noise are found."""

from __future__ import annotations

import time

import numpy as np

from grader.training.settings import effective_settings, near_copies
from grader.training.trials import Trial, name_settings


def trial(index: int, *, lr: float, result=None, **globals_) -> Trial:
    return Trial(index, {"lr": lr}, dict(globals_), 1000, seconds=0.1, result=result)


def test_naming_the_varied_settings_of_20000_trials_with_60_globals_takes_well_under_a_second():
    trials = [trial(i, lr=0.1, **{f"G{k}": (i * (k + 1)) % 97 if k < 3 else k for k in range(60)})
              for i in range(20_000)]
    started = time.perf_counter()
    name_settings(trials)
    assert time.perf_counter() - started < 10.0  # O(trials^2 x globals): 2,000 trials took 160 s, 20,000 hours
    assert set(trials[5].setting) == {"lr", "G0", "G1", "G2"}  # the 57 constant globals are not settings


def test_weights_reused_with_a_little_noise_count_as_one_setting():
    rng = np.random.default_rng(0)
    base = rng.normal(size=4000)
    honest = [trial(i, lr=lr, result=rng.normal(size=4000)) for i, lr in enumerate((0.1, 0.2, 0.3))]
    reused = [trial(3 + i, lr=lr, result=base + rng.normal(0, 1e-7, base.size)) for i, lr in enumerate((0.4, 0.5))]
    first = trial(5, lr=0.6, result=base)
    trials = [*honest, first, *reused]
    name_settings(trials)
    copies = near_copies(trials, lambda t: t.result)
    assert {index: t.index for index, t in copies.items()} == {3: 5, 4: 5}  # both copy the weights made first
    count, problems = effective_settings(trials, lambda t: t.result)
    assert count == 4 and problems and "up to noise" in problems[0]


def test_close_but_honestly_trained_weights_are_not_copies():
    rng = np.random.default_rng(1)
    base = rng.normal(size=4000)
    trials = [trial(i, lr=lr, result=base + rng.normal(0, 0.01, base.size)) for i, lr in enumerate((0.1, 0.2))]
    name_settings(trials)
    assert near_copies(trials, lambda t: t.result) == {}
    assert effective_settings(trials, lambda t: t.result)[0] == 2
