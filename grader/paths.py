"""Where things live: the course folder, its assignments, references, dataset
manifests, and the dataset cache. Every other module asks here."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from grader.errors import ConfigError

COURSE_DIR_ENV = "GRADER_COURSE_DIR"
DATA_DIR_ENV = "GRADER_DATA_DIR"
MIRROR_ENV = "GRADER_MIRROR"


COURSE_MARKER = "course.toml"
"""Marks a folder as a course (a student release and the Gradescope bundle
have one)."""


def is_course(folder: Path) -> bool:
    """Whether ``folder`` is a course folder, by what it holds: ``assignments/``
    beside ``course.toml``, ``reference/`` or ``datasets/``."""
    return (folder / "assignments").is_dir() and any(
        (folder / name).exists() for name in (COURSE_MARKER, "reference", "datasets"))


def course_dir() -> Path:
    """The folder holding ``assignments/`` (and ``reference/``, ``datasets/``).

    ``GRADER_COURSE_DIR`` wins; then the course of the file being graded
    (``course_of``); then the nearest course folder from the working folder
    upward (a student release, a checkout); then the checkout the
    package was installed from in editable mode. Where the package itself was
    installed (site-packages, a pipx environment) is never taken for a course.
    """
    env = os.environ.get(COURSE_DIR_ENV)
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / "assignments").is_dir():
            raise ConfigError(f"{COURSE_DIR_ENV}={env} is not a course folder (it has no assignments/ folder)")
        return root
    if _file_course:
        return _file_course[-1]
    try:
        here: Path | None = Path.cwd()
    except OSError:  # the working folder was deleted
        here = None
    found = (find_course(here) if here else None) or checkout_dir()
    if found is None:
        raise ConfigError(
            "no course folder here: run grade from the course's folder (a student release holds course.toml and "
            f"assignments/), or set {COURSE_DIR_ENV} to the folder that holds assignments/")
    return found


_file_course: list[Path] = []
"""The course of the file being graded (``course_of``), innermost last."""


@contextlib.contextmanager
def course_of(file: Path) -> Iterator[None]:
    """While grading ``file``, the course folder it lies in (a student
    release) is the course, wherever ``grade`` was started from, unless
    ``GRADER_COURSE_DIR`` says otherwise."""
    found = find_course(file.parent)
    if found is not None:
        _file_course.append(found)
    try:
        yield
    finally:
        if found is not None:
            _file_course.pop()


def find_course(start: Path) -> Path | None:
    """The nearest course folder at ``start`` or above it."""
    here = start.resolve()
    return next((folder for folder in (here, *here.parents) if is_course(folder)), None)


def checkout_dir() -> Path | None:
    """The course checkout the grader package lives in (an editable install or
    a run from the source tree), if it is one: its hidden files stay out of
    reach of student code even when another course is graded. None for an
    installed package, whose parent folder is the environment's."""
    root = Path(__file__).resolve().parent.parent
    return root if is_course(root) else None


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
