"""Where reports go: checked before grading starts, written atomically.

``grade submit`` may train for minutes before it writes anything, so a place it cannot write (a
missing folder, a folder given as the file, a read-only mount) is refused first, in one line, as a
:class:`~grader.errors.UsageError`. A write goes to a hidden ``.NAME.partial`` beside the target and
is renamed over it: a reader never sees half a file, and a failed write removes its partial file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from grader.errors import UsageError


def check_writable(path: Path, *, option: str) -> None:
    """Refuse ``path`` as the file ``option`` names unless a file can be written there now: its
    folder exists and takes new files, and ``path`` is not itself a folder."""
    where = f"cannot write {option} {path}"
    if path.is_dir():
        raise UsageError(f"{where}: it is a folder; give a file name in it")
    folder = path.parent
    if not folder.exists():
        raise UsageError(f"{where}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise UsageError(f"{where}: {folder} is not a folder")
    _try(folder, where)


def check_folder_writable(folder: Path, *, option: str) -> None:
    """Refuse ``folder`` as the output folder ``option`` names (created when missing) unless it, or
    the nearest folder above it that exists, takes new files."""
    where = f"cannot write {option} {folder}"
    existing = next(candidate for candidate in (folder, *folder.absolute().parents) if candidate.exists())
    if not existing.is_dir():
        raise UsageError(f"{where}: {existing} is a file, not a folder")
    _try(existing, where)


def _try(folder: Path, where: str) -> None:
    """Create and remove a file in ``folder``: permission bits say nothing for root or on a
    read-only mount (``os.access`` says yes to /sys), an attempt does."""
    try:
        handle, probe = tempfile.mkstemp(prefix=".grade-", suffix=".probe", dir=folder)
    except OSError as exc:
        raise UsageError(f"{where}: {folder} does not take new files ({exc.strerror})") from None
    os.close(handle)
    os.unlink(probe)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically; on failure no ``.partial`` file stays behind."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
