"""The course's datasets: manifests, download, cache, verification, IDX import
and subsets. Grading calls :func:`available` / :func:`missing_reason` to
decide between running and skipping, and :func:`ensure` to fetch.
See docs/datasets.md for the cache layout and lock format."""

from __future__ import annotations

from grader.datasets.cache import LocalDataset
from grader.datasets.derived import course_named, derived
from grader.datasets.download import Downloader, RetryPolicy
from grader.datasets.manifest import DatasetSpec, FileSpec, UnknownDatasetError, load_spec, manifest_names
from grader.datasets.progress import NullProgress, Progress
from grader.datasets.store import FileStatus, available, ensure, fix_commands, import_idx, missing_reason, verify
from grader.datasets.subset import METHODS as SUBSET_METHODS
from grader.datasets.subset import Subset, subset

__all__ = [
    "DatasetSpec", "Downloader", "course_named", "derived", "FileSpec", "FileStatus", "LocalDataset", "NullProgress", "Progress",
    "RetryPolicy", "SUBSET_METHODS", "Subset", "UnknownDatasetError", "available",
    "ensure", "fix_commands", "import_idx", "load_spec", "manifest_names", "missing_reason", "subset",
    "verify",
]
