"""Where things live: the course folder, its assignments, references, dataset
manifests, and the dataset cache. Every other module asks here."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from grader.errors import ConfigError

COURSE_DIR_ENV = "GRADER_COURSE_DIR"
DATA_DIR_ENV = "GRADER_DATA_DIR"
MIRROR_ENV = "GRADER_MIRROR"


COURSE_MARKER = "course.toml"
"""Marks a folder as a course (a student release has one): found from the
working folder upward when ``GRADER_COURSE_DIR`` is not set."""


def course_dir() -> Path:
    """The folder holding ``assignments/``, ``reference/`` and ``datasets/``.

    ``GRADER_COURSE_DIR`` wins; then the nearest folder, from the working
    folder upward, holding ``course.toml`` (a student release); otherwise the
    checkout the package lives in.
    """
    env = os.environ.get(COURSE_DIR_ENV)
    root = Path(env) if env else _marked() or Path(__file__).resolve().parent.parent
    if not (root / "assignments").is_dir():
        raise ConfigError(
            f"no course folder at {root} (it needs an assignments/ folder); "
            f"set {COURSE_DIR_ENV} to the folder that holds assignments/ and reference/"
        )
    return root


def _marked() -> Path | None:
    try:
        here = Path.cwd().resolve()
    except OSError:
        return None
    for folder in (here, *here.parents):
        if (folder / COURSE_MARKER).is_file() and (folder / "assignments").is_dir():
            return folder
    return None


def checkout_dir() -> Path | None:
    """The course folder the grader package itself came with, if any: hidden
    files there must stay out of reach even when another course is graded."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "reference").is_dir() else None


def assignments_dir() -> Path:
    return course_dir() / "assignments"


def reference_dir() -> Path:
    return course_dir() / "reference"


def dataset_manifests_dir() -> Path:
    return course_dir() / "datasets"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The dataset cache: ``--data-dir``, then ``GRADER_DATA_DIR``, then a
    per-user cache folder."""
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_cache_dir("grade")) / "datasets"


def tool_cache_dir() -> Path:
    """Caches of the grader's own (e.g. matplotlib's font list for the
    children), next to the dataset cache's default place."""
    return Path(platformdirs.user_cache_dir("grade"))


def mirror(override: str | None = None) -> str | None:
    """The mirror (base URL or directory) tried before the S3 URLs, if any."""
    return override or os.environ.get(MIRROR_ENV) or None
