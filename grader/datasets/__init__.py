"""The course's datasets: manifests, download, cache, verification, IDX import
and subsets. Grading calls :func:`available` / :func:`missing_reason` to
decide between running and skipping, and :func:`ensure` to fetch.
See docs/datasets.md for the cache layout and lock format.

The download stack (``store``, ``download``: requests) loads on first use:
every ``grade submit`` installs the download bar (``progress``), most never
download."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from grader.datasets.cache import LocalDataset
from grader.datasets.derived import course_named, derived
from grader.datasets.manifest import DatasetSpec, FileSpec, UnknownDatasetError, load_spec, manifest_names
from grader.datasets.progress import NullProgress, Progress
from grader.datasets.subset import METHODS as SUBSET_METHODS
from grader.datasets.subset import Subset, subset

if TYPE_CHECKING:
    from grader.datasets.download import Downloader, RetryPolicy
    from grader.datasets.store import FileStatus, available, ensure, fix_commands, import_idx, missing_reason

_LAZY = {"Downloader": "download", "RetryPolicy": "download", "FileStatus": "store", "available": "store",
         "ensure": "store", "fix_commands": "store", "import_idx": "store", "missing_reason": "store"}
"""``verify`` is not among them: ``grader.datasets.verify`` is the checksums' module, and once it is
imported the package's attribute of that name is the module; the cache's check is ``store.verify``."""

__all__ = [
    "DatasetSpec", "Downloader", "course_named", "derived", "FileSpec", "FileStatus", "LocalDataset", "NullProgress",
    "Progress",
    "RetryPolicy", "SUBSET_METHODS", "Subset", "UnknownDatasetError", "available",
    "ensure", "fix_commands", "import_idx", "load_spec", "manifest_names", "missing_reason", "subset",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'grader.datasets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"grader.datasets.{_LAZY[name]}"), name)
