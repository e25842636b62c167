"""Unit tables for hw6_mnist's pieces: w layouts, reading train's return
values, the search function's name, the grader's own evaluation against the
reference (no data, no sandbox)."""

from __future__ import annotations

import numpy as np
import pytest

from grader import assignments, plugin
from grader.checks import coerce

HW = assignments.get("hw6_mnist")
layout = plugin.module(HW, "layout")
evaluation = plugin.module(HW, "evaluation")
search = plugin.module(HW, "search")
solution = plugin.module(HW, "solution")


@pytest.mark.parametrize("t1, t2", [(False, False), (True, False), (True, True), (False, True)])
def test_layouts_round_trip_and_are_recovered_from_an_unpack(t1, t2):
    found = layout.Layout.standard(7, t1, t2)
    rng = np.random.default_rng(0)
    blocks = tuple(rng.normal(size=s) for s in layout.block_shapes(7))
    w = found.pack(blocks)
    assert all(np.array_equal(a, b) for a, b in zip(found.blocks(w), blocks))
    numbered = found.student_blocks(found.blocks(np.arange(found.size, dtype=float)))
    read = layout.layout_from_unpacked(numbered, 7)
    assert read is not None and read.same_as(found) and read.canonical == (not t1 and not t2)


def test_an_unpack_that_reuses_entries_is_not_a_layout():
    W1, b1, W2, b2 = layout.Layout.standard(5).blocks(np.arange(layout.size_for(5), dtype=float))
    assert layout.layout_from_unpacked((W1, b1, W2, b1[:1].repeat(10)), 5) is None


@pytest.mark.parametrize("value, note", [
    (np.arange(20.0), None),
    ([np.zeros(20), np.ones(20), np.arange(20.0)], "list of the weights"),
    ((np.arange(20.0), [0.5, 0.4]), "first item"),
])
def test_trained_weights_are_found_in_what_train_returns(value, note):
    vector, found_note = coerce.packed_vector(value, 20)
    assert np.array_equal(vector, np.arange(20.0))
    assert (note is None and found_note is None) or note in found_note


@pytest.mark.parametrize("names, expected", [
    ({"findBestHyperparameters": []}, "findBestHyperparameters"),
    ({"findBestHyperParameters": []}, "findBestHyperParameters"),
    ({"find_best_hyperparameters": []}, "find_best_hyperparameters"),
    ({"findBestHyperparams": []}, "findBestHyperparams"),
    ({"train": []}, None),
])
def test_misspelled_search_functions_are_found(names, expected):
    assert search.search_function(names)[0] == expected


def test_the_reference_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    X, Y = rng.random((784, 9)), np.eye(10)[:, rng.integers(0, 10, 9)]
    w = solution.pack(rng.normal(0, 0.1, (6, 784)), rng.normal(0, 0.1, 6), rng.normal(0, 0.4, (10, 6)),
                      rng.normal(0, 0.1, 10))
    grad = solution.gradCE(X, Y, w)
    for _ in range(5):
        d = rng.normal(size=w.size)
        d /= np.linalg.norm(d)
        numeric = (solution.fCE(X, Y, w + 1e-6 * d) - solution.fCE(X, Y, w - 1e-6 * d)) / 2e-6
        assert numeric == pytest.approx(grad @ d, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("seed", range(4))
def test_the_graders_public_evaluation_is_the_reference_to_the_last_bit(seed):
    # The public checks (a.8, a.9, (b), (c)) evaluate weights with their own code: it must give the
    # reference's numbers exactly, or the published grader would grade differently from the course's.
    inst = evaluation.random_instance(np.random.default_rng(seed), 12, 50)
    w = solution.pack(*inst.blocks)
    assert evaluation.cross_entropy(inst.blocks, inst.X, inst.Y) == solution.fCE(inst.X, inst.Y, w)
    assert evaluation.accuracy(inst.blocks, inst.X, inst.Y) == solution.accuracy(inst.X, inst.Y, w)
    initial = evaluation.initial_blocks(12, 541)
    assert np.array_equal(layout.pack(initial), solution.initial_weights(12, seed=541))
