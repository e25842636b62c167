"""Hidden checks for hw6_mnist. Each rubric item names one function here.

The work is split by what it needs: ``gradients`` (part (a) on random
networks, no data), ``search`` (the (a) train checks and the data the child
may read) and ``selection`` ((b) the spied search, (c) the test set, which
only the grader loads). ``adapt`` holds what makes real student files
gradable: their w layout, data orientation and signatures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.grading import CheckContext, sibling
from grader.rubric import Outcome



reference = sibling(__file__, "solution")
_network = sibling(__file__, "network")
_loss = sibling(__file__, "loss")
_gradients = sibling(__file__, "gradients")
_search = sibling(__file__, "search")
_selection = sibling(__file__, "selection")

HIDDEN_SEED = "mnist-3c9e1f70b2"
# Imported in the child before the audit hook: plotting must never block and
# its import must not read forbidden files.
PRELOAD = ("matplotlib", "matplotlib.pyplot")


def child_readable(profile: Any, data_dir: Path) -> list[Path]:
    """The training data of the profile and the validation split: the only
    data files the child may open. Never the test split."""
    from grader import datasets

    files = _search.training_files(profile, data_dir)
    ds = datasets.available("mnist", data_dir=data_dir)
    if files is None or ds is None:
        return []
    return [files[0], files[1], ds.path("validation", "images"), ds.path("validation", "labels")]


def pack_unpack(ctx: CheckContext) -> Outcome:
    return _network.pack_unpack(ctx)


def fce(ctx: CheckContext) -> Outcome:
    return _loss.fce(ctx)


def grad_W1(ctx: CheckContext) -> Outcome:
    return _gradients.grade_block(ctx, 0)


def grad_b1(ctx: CheckContext) -> Outcome:
    return _gradients.grade_block(ctx, 1)


def grad_W2(ctx: CheckContext) -> Outcome:
    return _gradients.grade_block(ctx, 2)


def grad_b2(ctx: CheckContext) -> Outcome:
    return _gradients.grade_block(ctx, 3)


def finite_differences(ctx: CheckContext) -> Outcome:
    return _gradients.finite_differences(ctx)


def train_lowers_loss(ctx: CheckContext) -> Outcome:
    return _search.train_lowers_loss(ctx)


def train_accuracy(ctx: CheckContext) -> Outcome:
    return _search.train_accuracy(ctx)


def search_settings(ctx: CheckContext) -> Outcome:
    return _selection.search_settings(ctx)


def search_choice(ctx: CheckContext) -> Outcome:
    return _selection.search_choice(ctx)


def search_data(ctx: CheckContext) -> Outcome:
    return _selection.search_data(ctx)


def test_ce(ctx: CheckContext) -> Outcome:
    return _selection.test_ce(ctx)


def test_accuracy(ctx: CheckContext) -> Outcome:
    return _selection.test_accuracy(ctx)
