"""Getting a dataset into the cache and checking what is there.

``ensure`` (download: mirror, then S3, then for Fashion-MNIST the Debian
package), ``import_idx`` (offline, from IDX files), ``available`` (cheap
check for grading), ``verify`` (full re-hash) and ``missing_reason``.
Every path into the cache goes through :func:`_install`: validate the partial
file, compare its sha256 with the lock, rename it into place, record it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import requests

from grader import paths
from grader.datasets import cache, idx
from grader.datasets.cache import LocalDataset, LockEntry
from grader.datasets.download import Downloader, RetryPolicy, copy_from_directory
from grader.datasets.manifest import DatasetSpec, FileSpec, load_spec
from grader.datasets.progress import Progress, default_progress
from grader.datasets.verify import sha256_file, validate_file
from grader.errors import ChecksumError, DatasetError, DownloadError, ValidationError

Notify = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _root(spec: DatasetSpec, data_dir: str | os.PathLike[str] | None) -> Path:
    return paths.data_dir(data_dir) / spec.name


def available(name: str, *, data_dir: str | os.PathLike[str] | None = None,
              manifests_dir: Path | None = None) -> LocalDataset | None:
    """The dataset if every file is cached and unchanged since it was verified
    (same size and mtime as in the lock: no hashing), else ``None``."""
    spec = load_spec(name, manifests_dir)
    root = _root(spec, data_dir)
    try:
        entries = cache.read_lock(root).get("files", {})
    except DatasetError:
        return None
    for f in spec.files:
        entry = entries.get(f.file)
        if entry is None or not LockEntry(**entry).matches_stat(root / f.file):
            return None
    return LocalDataset(spec.name, root, spec)


def missing_reason(name: str, *, data_dir: str | os.PathLike[str] | None = None,
                   manifests_dir: Path | None = None) -> str:
    """Why the dataset is unavailable and the exact commands that fix it."""
    spec = load_spec(name, manifests_dir)
    root = _root(spec, data_dir)
    missing = [f.file for f in spec.files if not (root / f.file).exists()]
    if available(name, data_dir=data_dir, manifests_dir=manifests_dir) is not None:
        return f"{name} is available in {root}"
    if not missing:
        why = f"{name} in {root} is not verified (changed since its download, or no lock entry)"
    else:
        why = f"{name} is not in the dataset cache {root} ({len(missing)} of {len(spec.files)} files missing)"
    return f"{why}. Fix: {fix_commands(spec, data_dir)}"


def fix_commands(spec: DatasetSpec, data_dir: str | os.PathLike[str] | None = None) -> str:
    opt = f" --data-dir {data_dir}" if data_dir else ""
    text = f"`grade datasets fetch {spec.name}{opt}` (S3, or --mirror URL_OR_DIR)"
    if spec.importer is not None:
        names = ", ".join(f"{b}.gz" for b in spec.importer.idx_names.values())
        text += f", or offline `grade datasets import {spec.name} --from DIR{opt}` with DIR holding {names}"
    if spec.debian_package and spec.debian_dir:
        text += (f", or `apt-get install {spec.debian_package}` then "
                 f"`grade datasets import {spec.name} --from {spec.debian_dir}{opt}`")
    return text


def ensure(name: str, *, data_dir: str | os.PathLike[str] | None = None, mirror: str | None = None,
           session: requests.Session | None = None, progress: bool | Progress = True,
           refresh: bool = False, manifests_dir: Path | None = None,
           policy: RetryPolicy | None = None, notify: Notify = _stderr) -> LocalDataset:
    """Make the dataset present and verified in the cache.

    Missing files come from the mirror (``--mirror``/``GRADER_MIRROR``), then
    S3; if that fails and the manifest names a Debian package whose folder
    exists, from there (and ``notify`` says so). ``refresh`` accepts files
    whose sha256 differs from the lock. Raises a ``DatasetError`` subclass
    whose message ends with the commands that fix it.
    """
    spec = load_spec(name, manifests_dir)
    root = _root(spec, data_dir)
    bar = default_progress(progress) if isinstance(progress, bool) else progress
    downloader = Downloader(session or requests.Session(), policy or RetryPolicy(), bar)
    sources = _sources(paths.mirror(mirror))
    with cache.dataset_lock(root, notify):
        try:
            todo = [f for f in spec.files if not _cached_ok(root, spec, f, refresh)]
            for f in todo:
                _fetch_file(root, spec, f, sources, downloader, refresh)
        except (DownloadError, ValidationError) as exc:
            folder = spec.debian_dir
            if folder is None or not folder.is_dir():
                raise type(exc)(f"{exc}\nFix: {fix_commands(spec, data_dir)}") from exc
            notify(f"{name}: the download failed ({_first_line(exc)}); using the Debian package "
                   f"{spec.debian_package} in {folder} as the offline source instead")
            _import_locked(spec, root, folder, refresh)
        finally:
            bar.stop()
    return LocalDataset(spec.name, root, spec)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def _cached_ok(root: Path, spec: DatasetSpec, f: FileSpec, refresh: bool) -> bool:
    """Whether ``f`` is in place and verified; a changed file is checked again
    and, when it no longer matches, discarded (and reported unless refreshing)."""
    final = root / f.file
    if not final.exists():
        return False
    entry = cache.lock_entry(root, f.file)
    if entry is not None and entry.matches_stat(final):
        return True
    try:
        validate_file(final, f)
    except ValidationError:
        final.unlink()
        if refresh:
            return False
        raise
    digest = sha256_file(final)
    if entry is not None and digest != entry.sha256:
        final.unlink()
        if refresh:
            return False
        raise ChecksumError(
            f"{final} changed since it was verified: sha256 {digest}, lock has "
            f"{entry.sha256}. It was removed; run `grade datasets fetch {spec.name}` again"
        )
    source = entry.source if entry else f"found in {root}"
    cache.write_lock_entry(root, spec.name, f.file, LockEntry.for_file(final, digest, source))
    return True


@dataclass(frozen=True)
class _Source:
    label: str
    base: str
    is_dir: bool

    def where(self, f: FileSpec) -> str:
        if self.base == "":
            return f.url
        return os.path.join(self.base, f.file) if self.is_dir else self.base.rstrip("/") + "/" + f.file


def _sources(mirror: str | None) -> list[_Source]:
    sources = []
    if mirror:
        local = mirror.removeprefix("file://")
        is_dir = "://" not in local
        sources.append(_Source("mirror", local if is_dir else mirror, is_dir))
    sources.append(_Source("S3", "", False))
    return sources


def _fetch_file(root: Path, spec: DatasetSpec, f: FileSpec, sources: list[_Source],
                downloader: Downloader, refresh: bool) -> None:
    """Try each source in turn; raise the most telling failure if none works."""
    failures: list[DatasetError] = []
    for source in sources:
        where = source.where(f)
        part = cache.partial_path(root, f.file)
        try:
            if source.is_dir:
                if not Path(where).is_file():
                    raise DownloadError(f"{where}: no such file in the mirror folder")
                copy_from_directory(Path(where), part)
            else:
                downloader.download(where, part, label=f.file)
            _install(root, spec, f, part, where, refresh, shown_as=f"{f.file} from {where}")
            return
        except DownloadError as exc:  # the partial file is kept for a later resume
            failures.append(exc)
        except DatasetError as exc:
            cache.discard_partial(part)
            failures.append(exc)
    for kind in (ChecksumError, ValidationError, DownloadError):
        if any(isinstance(e, kind) for e in failures):
            raise kind("\n".join(str(e) for e in failures))
    raise AssertionError("unreachable: every source failed without an error")


def _install(root: Path, spec: DatasetSpec, f: FileSpec, part: Path, source: str,
             refresh: bool, *, shown_as: str) -> None:
    """Verify a finished partial file and put it in place, or raise and leave
    the partial file to the caller to discard."""
    digest = _check(root, spec, f, part, refresh, shown_as=shown_as)
    _place(root, spec, f, part, digest, source)


def _check(root: Path, spec: DatasetSpec, f: FileSpec, part: Path, refresh: bool, *,
           shown_as: str) -> str:
    """Validate ``part`` and compare its sha256 with the lock; return the hash."""
    validate_file(part, f, shown_as=shown_as)
    digest = sha256_file(part)
    entry = cache.lock_entry(root, f.file)
    if entry is not None and digest != entry.sha256 and not refresh:
        raise ChecksumError(
            f"{shown_as} has sha256 {digest}, but {cache.LOCK_FILE} recorded "
            f"{entry.sha256} when it was first verified: the file changed at its source. "
            f"Use `grade datasets fetch {spec.name} --refresh` to accept the new file"
        )
    return digest


def _place(root: Path, spec: DatasetSpec, f: FileSpec, part: Path, digest: str, source: str) -> None:
    final = root / f.file
    cache.commit(part, final)
    cache.write_lock_entry(root, spec.name, f.file, LockEntry.for_file(final, digest, source))


def import_idx(name: str, source_dir: str | os.PathLike[str], *,
               data_dir: str | os.PathLike[str] | None = None, refresh: bool = False,
               manifests_dir: Path | None = None, notify: Notify = _stderr) -> LocalDataset:
    """Build the dataset's files from the standard IDX files in ``source_dir``."""
    spec = load_spec(name, manifests_dir)
    root = _root(spec, data_dir)
    folder = Path(source_dir).expanduser().resolve()
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder (import {name} --from DIR needs one)")
    with cache.dataset_lock(root, notify):
        _import_locked(spec, root, folder, refresh)
    return LocalDataset(spec.name, root, spec)


def _import_locked(spec: DatasetSpec, root: Path, folder: Path, refresh: bool) -> None:
    """Build and check every file before placing any, so a wrong split or a
    bad IDX file leaves the cache as it was."""
    arrays = idx.build_arrays(spec, folder)
    checked: list[tuple[FileSpec, Path, str]] = []
    try:
        for f in spec.files:
            part = cache.partial_path(root, f.file)
            with open(part, "wb") as fh:
                np.save(fh, arrays[f.file], allow_pickle=False)
            checked.append((f, part, _check(root, spec, f, part, refresh,
                                            shown_as=f"{f.file} built from {folder}")))
        for f, part, digest in checked:
            _place(root, spec, f, part, digest, f"import:{folder}")
    finally:
        for f in spec.files:
            cache.discard_partial(cache.partial_path(root, f.file))


@dataclass(frozen=True)
class FileStatus:
    file: str
    ok: bool
    message: str


def verify(name: str, *, data_dir: str | os.PathLike[str] | None = None,
           manifests_dir: Path | None = None, notify: Notify = _stderr) -> list[FileStatus]:
    """Re-validate and re-hash every cached file against the lock; files that
    fail are removed so the next fetch replaces them."""
    spec = load_spec(name, manifests_dir)
    root = _root(spec, data_dir)
    statuses = []
    with cache.dataset_lock(root, notify):
        for f in spec.files:
            statuses.append(_verify_file(root, spec, f))
    return statuses


def _verify_file(root: Path, spec: DatasetSpec, f: FileSpec) -> FileStatus:
    final = root / f.file
    if not final.exists():
        return FileStatus(f.file, False, "missing")
    try:
        validate_file(final, f, shown_as=str(final))
    except ValidationError as exc:
        final.unlink()
        return FileStatus(f.file, False, f"{exc} (removed)")
    digest = sha256_file(final)
    entry = cache.lock_entry(root, f.file)
    if entry is None:
        cache.write_lock_entry(root, spec.name, f.file, LockEntry.for_file(final, digest, "found in cache"))
        return FileStatus(f.file, True, f"valid; sha256 {digest[:12]}... recorded (no lock entry before)")
    if digest != entry.sha256:
        final.unlink()
        return FileStatus(f.file, False,
                          f"sha256 {digest} differs from the lock's {entry.sha256} (removed)")
    cache.write_lock_entry(root, spec.name, f.file,
                           LockEntry.for_file(final, digest, entry.source))
    return FileStatus(f.file, True, f"valid, sha256 {digest[:12]}... as locked ({entry.source})")
