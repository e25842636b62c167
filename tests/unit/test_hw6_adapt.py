"""Unit tables for hw6_mnist's adaptation layer and its reference (no data, no sandbox)."""

from __future__ import annotations

import numpy as np
import pytest

from grader.grading import load_module

from course_files import REPO

FOLDER = REPO / "reference" / "hw6_mnist"
adapt = load_module(FOLDER / "adapt.py", "grader_reference_hw6_mnist_adapt")
solution = load_module(FOLDER / "solution.py", "grader_reference_hw6_mnist_solution")


@pytest.mark.parametrize("name, expected", [
    ("trainX", "trainX"), ("trainY", "trainY"), ("testX", "valX"), ("testY", "valY"), ("X_tr", "trainX"),
    ("y_val", "valY"), ("trainingImages", "trainX"), ("trainingLabels", "trainY"), ("w", "w"),
    ("epsilon", "lr"), ("learning_rate", "lr"), ("batchSize", "batch"), ("mini_batch_size", "batch"),
    ("numEpochs", "epochs"), ("NUM_EPOCHS", "epochs"), ("alpha", "alpha"), ("reg", "alpha"),
    ("NUM_HIDDEN", "hidden"), ("hidden_units", "hidden"), ("verbose", None),
])
def test_parameter_roles_follow_the_names_real_files_use(name, expected):
    assert adapt.role(name) == expected


def params(*names, defaults=()):
    return [{"name": n.lstrip("*"), "kind": "VAR_KEYWORD" if n.startswith("**") else "POSITIONAL_OR_KEYWORD",
             "default": n in defaults, "default_repr": None} for n in names]


VALUES = {"trainX": "TX", "trainY": "TY", "valX": "VX", "valY": "VY", "w": "W0",
          "hidden": 40, "lr": 0.1, "batch": 64, "epochs": 1, "alpha": 0.0}


@pytest.mark.parametrize("signature, expected_kwargs, problem", [
    (params("trainX", "trainY", "valX", "valY", "hidden", "lr", "batch", "epochs", "alpha",
            defaults=("hidden", "lr", "batch", "epochs", "alpha")),
     {"trainX": "TX", "lr": 0.1, "epochs": 1}, None),
    (params("trainX", "trainY", "testX", "testY", "w"), {"testX": "VX", "w": "W0"}, None),
    (params("a", "b", "c", "d", "w", "epsilon", "batchSize", "numEpochs", "alpha"),
     {"a": "TX", "d": "VY", "epsilon": 0.1, "batchSize": 64}, None),
    (params("learning_rate", "batch_size", "num_epochs", "X_tr", "y_tr", "X_val", "y_val"),
     {"X_tr": "TX", "y_val": "VY", "num_epochs": 1}, None),
    (params("trainX", "trainY", "valX", "valY", "**kw"), {"lr": 0.1, "hidden": 40}, None),
    (params("trainX", "trainY", "valX", "valY", "momentum"), {}, "momentum"),
])
def test_train_calls_are_planned_by_name_or_by_the_templates_order(signature, expected_kwargs, problem):
    plan = adapt.plan_call(signature, VALUES, what="train", expected="train(...)")
    if problem:
        assert plan.problem and problem in plan.problem and "expected train(...)" in plan.problem
        return
    assert plan.problem is None
    for key, value in expected_kwargs.items():
        assert plan.kwargs[key] == value


@pytest.mark.parametrize("t1, t2", [(False, False), (True, False), (True, True), (False, True)])
def test_layouts_round_trip_and_are_recovered_from_an_unpack(t1, t2):
    layout = adapt.Layout.standard(7, t1, t2)
    rng = np.random.default_rng(0)
    blocks = tuple(rng.normal(size=s) for s in adapt.block_shapes(7))
    w = layout.pack(blocks)
    assert all(np.array_equal(a, b) for a, b in zip(layout.blocks(w), blocks))
    numbered = layout.student_blocks(layout.blocks(np.arange(layout.size, dtype=float)))
    found = adapt.layout_from_unpacked(numbered, 7)
    assert found is not None and found.same_as(layout) and found.canonical == (not t1 and not t2)


def test_an_unpack_that_reuses_entries_is_not_a_layout():
    W1, b1, W2, b2 = adapt.Layout.standard(5).blocks(np.arange(adapt.size_for(5), dtype=float))
    assert adapt.layout_from_unpacked((W1, b1, W2, b1[:1].repeat(10)), 5) is None


@pytest.mark.parametrize("value, note", [
    (np.arange(20.0), None),
    ([np.zeros(20), np.ones(20), np.arange(20.0)], "list of the weights"),
    ((np.arange(20.0), [0.5, 0.4]), "first item"),
])
def test_trained_weights_are_found_in_what_train_returns(value, note):
    vector, found_note = adapt.packed_vector(value, 20)
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
    assert adapt.search_function(names)[0] == expected


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
