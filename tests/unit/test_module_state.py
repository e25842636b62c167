"""The child's per-request reset of a submission's module globals: every
request starts from the module as imported (plus the grader's settings), so
what one graded call leaves behind never reaches the next."""

from __future__ import annotations

import types

from grader.sandbox.introspect import SMALL_CONTAINER, ModuleState


def module(**values) -> types.ModuleType:
    made = types.ModuleType("homework6_jsmith")
    vars(made).update(values)
    return made


def test_rebound_and_new_globals_are_undone():
    mod = module(NUM_HIDDEN=40)
    state = ModuleState(mod)
    mod.NUM_HIDDEN, mod.z1 = 7, "left by fCE"
    state.restore()
    assert mod.NUM_HIDDEN == 40 and not hasattr(mod, "z1")


def test_a_cache_dict_fce_fills_for_gradce_is_emptied_between_requests():
    cache: dict = {}
    history = [1.0]
    seen = {"a"}
    mod = module(cache=cache, history=history, seen=seen)
    state = ModuleState(mod)
    cache["yhat"], cache["h1"] = 1, 2
    history.append(2.0)
    seen.add("b")
    state.restore()
    assert mod.cache is cache and cache == {}
    assert history == [1.0] and seen == {"a"}


def test_the_graders_settings_become_the_baseline_containers_included():
    mod = module()
    state = ModuleState(mod)
    state.set({"HYPER": {"lr": 0.1}})
    mod.HYPER["lr"] = 5
    state.restore()
    assert mod.HYPER == {"lr": 0.1}


def test_large_containers_such_as_a_dataset_list_are_left_as_they_are():
    big = list(range(SMALL_CONTAINER + 1))
    mod = module(data=big)
    state = ModuleState(mod)
    big.append(-1)
    state.restore()
    assert big[-1] == -1 and mod.data is big
