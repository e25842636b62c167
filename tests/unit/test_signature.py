"""Reading what a student's parameters are for, and planning calls by role."""

from __future__ import annotations

import pytest

from grader.checks.signature import plan_call, regulariser_defaults, role
from grader.sandbox.session import Param


@pytest.mark.parametrize("name, expected", [
    ("trainX", "trainX"), ("trainY", "trainY"), ("testX", "valX"), ("testY", "valY"), ("X_tr", "trainX"),
    ("y_val", "valY"), ("trainingImages", "trainX"), ("trainingLabels", "trainY"), ("w", "w"),
    ("epsilon", "lr"), ("learning_rate", "lr"), ("batchSize", "batch"), ("mini_batch_size", "batch"),
    ("numEpochs", "epochs"), ("NUM_EPOCHS", "epochs"), ("nepochs", "epochs"), ("alpha", "alpha"), ("reg", "alpha"),
    ("NUM_HIDDEN", "hidden"), ("hidden_units", "hidden"), ("verbose", None),
    ("train_images", "trainX"), ("train_labels", "trainY"), ("val_images", "valX"), ("val_labels", "valY"),
    # Regularisers whose names end in 'y' are no labels.
    ("weight_decay", "alpha"), ("decay", "alpha"), ("penalty", "alpha"), ("l2_penalty", "alpha"),
    ("lambda_penalty", "alpha"),
])
def test_parameter_roles_follow_the_names_real_files_use(name, expected):
    assert role(name) == expected


def params(*names, defaults=()):
    return tuple(Param(n.lstrip("*"), "VAR_KEYWORD" if n.startswith("**") else "POSITIONAL_OR_KEYWORD",
                       has_default=n in defaults) for n in names)


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
    (params("trainX", "trainY", "valX", "valY", "weight_decay"), {"weight_decay": 0.0}, None),
    (params("trainX", "trainY", "valX", "valY", "momentum"), {}, "momentum"),
])
def test_calls_are_planned_by_name_or_by_the_templates_order(signature, expected_kwargs, problem):
    plan = plan_call(signature, VALUES, what="train", expected="train(...)")
    if problem:
        assert plan.problem and problem in plan.problem and "expected train(...)" in plan.problem
        return
    assert plan.problem is None
    for key, value in expected_kwargs.items():
        assert plan.kwargs[key] == value


def test_regularisers_with_defaults_are_found_after_the_data():
    found = params("X", "Y", "w", "alpha", "decay", "verbose", defaults=("alpha", "decay", "verbose"))
    assert regulariser_defaults(found, skip=3) == ["alpha", "decay"]
    assert regulariser_defaults(params("X", "Y", "w", "alpha"), skip=3) == []


def test_int_constants_come_from_assignments_first_then_the_named_functions():
    from grader.checks.source import int_constants

    source = ("import numpy as np\nBATCH = 64\nHYPER_NEURON = 50\nRATE = 0.1\nFLAG = True\n"
              "def unpack(w):\n    return w[:784 * 30].reshape(30, 784)\n"
              "def other():\n    return 77\n")
    found = int_constants(source, functions=("unpack",), low=2, high=2048)
    assert [(c.value, c.where) for c in found] == [
        (64, "BATCH = 64"), (50, "HYPER_NEURON = 50"), (784, "the literal 784 in unpack"),
        (30, "the literal 30 in unpack")]
    assert int_constants("def broken(:\n", functions=("unpack",)) == []
