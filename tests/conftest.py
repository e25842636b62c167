"""Fixtures shared by the whole suite: the course folder, real datasets, and
grading helpers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from course_files import FASHION_IDX, MNIST_IDX, REPO

os.environ["GRADER_SERVER"] = "off"
"""Every ``grade`` the suite runs starts its child itself, whatever server a
developer's own terminal left: tests of the resident server turn it on, in a
socket folder of their own (test_resident_server.py)."""


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def mnist_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset cache holding the real MNIST, imported from the IDX files in
    ../shared/datasets/mnist (skips when they are absent)."""
    if not (MNIST_IDX / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the real MNIST IDX files are not at {MNIST_IDX} (see the README's datasets section)")
    from grader import datasets

    data_dir = tmp_path_factory.mktemp("mnist-cache")
    datasets.import_idx("mnist", MNIST_IDX, data_dir=data_dir, notify=lambda message: None)
    return data_dir


@pytest.fixture(scope="session")
def fashion_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset cache holding the real Fashion-MNIST, imported from Debian's package."""
    if not (FASHION_IDX / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"the real Fashion-MNIST is not at {FASHION_IDX}: apt-get install dataset-fashion-mnist")
    from grader import datasets

    data_dir = tmp_path_factory.mktemp("fashion-cache")
    datasets.import_idx("fashion_mnist", FASHION_IDX, data_dir=data_dir, notify=lambda message: None)
    return data_dir


@pytest.fixture
def as_submission(tmp_path: Path):
    """Copy a file (or write source text) under a student-style file name."""

    def make(source: Path | str, name: str) -> Path:
        target = tmp_path / name
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_text(source, encoding="utf-8")
        return target

    return make


@pytest.fixture
def course_copy(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the course folder (assignments, references, dataset
    manifests), made the grader's course folder for this test: tests that aim
    destructive attacks at the course aim them here, never at the checkout."""
    root = tmp_path_factory.mktemp("course")
    for name in ("assignments", "reference", "datasets"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("GRADER_COURSE_DIR", str(root))
    return root


@pytest.fixture(scope="session")
def quick_grades(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """``quick_grades(assignment_id)``: every stored submission of the assignment graded once per
    session on its quick profile (``graded_classes``), file name in the class -> result JSON."""
    from graded_classes import CLASSES, grade_class

    graded: dict[str, dict] = {}

    def grades(assignment_id: str) -> dict:
        if assignment_id not in graded:
            kind = CLASSES[assignment_id][2]
            data_dir = None if kind is None else request.getfixturevalue(
                "mnist_data_dir" if kind == "mnist" else "fashion_data_dir")
            graded[assignment_id] = grade_class(assignment_id, tmp_path_factory.mktemp(assignment_id), data_dir)
        return graded[assignment_id]

    return grades


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/data/golden/grades.json from this run instead of comparing with it")
