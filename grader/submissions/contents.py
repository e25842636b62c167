"""What a zip and a folder have in common for the reader: the files they hold, each read or
copied within a byte budget, and the refusal that ends reading when one cannot be.

A refusal is the student's result (graded 0 with its reason), not a grader failure: ``Refused``
never leaves :mod:`grader.submissions`, where :func:`~grader.submissions.reader.read` turns it
into :attr:`~grader.submissions.reader.Handed.refusal`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import ContextManager, Protocol

CHUNK = 1 << 16


class Refused(Exception):
    """Nothing can be graded; ``reason`` says why in a sentence for the student."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """A regular file inside a zip or folder."""

    name: str
    """Its path inside, ``/``-separated, never absolute, never with ``..``."""
    size: int
    """Its size in bytes (a zip's header says it; reading never trusts that alone)."""

    @property
    def basename(self) -> str:
        return PurePosixPath(self.name).name

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix.lower()


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Contents(Protocol):
    """The files of a zip or folder, as the reader needs them."""

    label: str
    """How the student would name it in a sentence: ``the zip``, ``the folder``."""
    entries: tuple[Entry, ...]
    skipped: tuple[str, ...]
    """What was passed over and why, in words (``link venv/bin/python (links are not followed)``)."""

    def read(self, entry: Entry, limit: int) -> bytes:
        """The entry's bytes; ``Refused`` past ``limit`` (or the container's own caps)."""

    def copy(self, entry: Entry, target: Path) -> int:
        """Write the entry to the new file ``target`` (never an existing one, never through a
        link); the bytes written."""

    def nested(self, entry: Entry) -> ContextManager[Contents]:
        """The zip that ``entry`` is, opened under the same caps."""


def too_large(what: str, limit: int) -> Refused:
    return Refused(f"{what} is larger than {limit:,} bytes, more than a submission may be")


def write_new(target: Path, stream: Readable, limit: int, what: str) -> int:
    """Copy ``stream`` to the new file ``target`` in chunks, at most ``limit`` bytes; a partial
    file is removed when the copy is refused or fails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    handle = os.open(target, flags, 0o644)
    written = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise too_large(what, limit)
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return written
