"""Where the suite finds the course's files and the real datasets."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO.parent / "shared" / "datasets"
MNIST_IDX = SHARED_DATASETS / "mnist"
FASHION_IDX = Path("/usr/share/datasets/fashion-mnist")
"""Debian's dataset-fashion-mnist (.ci/run installs it)."""
SUBMISSIONS = Path(__file__).resolve().parent / "data" / "submissions"
