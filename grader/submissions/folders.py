"""A folder handed in whole (Gradescope's ``/autograder/submission``, an unzipped submission),
read by the rules a zip's contents are read by: regular files at any depth, links never
followed, dot files and the tools' leftovers ignored, and the same caps on count and size.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import BinaryIO, Iterator

from grader.submissions.contents import Entry, Refused, too_large, write_new
from grader.submissions.zips import DEFAULT_LIMITS, ZipContents, ZipLimits, ignored, open_zip

MAX_DEPTH = 32


class FolderContents:
    """The files of a folder (a :class:`~grader.submissions.contents.Contents`)."""

    def __init__(self, root: Path, *, limits: ZipLimits = DEFAULT_LIMITS, label: str = "the folder") -> None:
        self.label = label
        self._root = root
        self._limits = limits
        entries: list[Entry] = []
        skipped: list[str] = []
        self._walk(root, (), entries, skipped)
        self.entries = tuple(sorted(entries, key=lambda entry: entry.name))
        self.skipped = tuple(skipped)

    def _walk(self, folder: Path, parts: tuple[str, ...], entries: list[Entry], skipped: list[str]) -> None:
        if len(parts) > MAX_DEPTH:
            raise Refused(f"{self.label} nests folders more than {MAX_DEPTH} deep")
        with os.scandir(folder) as found:
            for item in sorted(found, key=lambda item: item.name):
                inner = (*parts, item.name)
                if ignored(inner):
                    continue
                name = "/".join(inner)
                if item.is_symlink():
                    skipped.append(f"link {name} (links are not followed)")
                elif item.is_dir(follow_symlinks=False):
                    self._walk(Path(item.path), inner, entries, skipped)
                elif item.is_file(follow_symlinks=False):
                    entries.append(Entry(name, item.stat(follow_symlinks=False).st_size))
                    if len(entries) > self._limits.members:
                        raise Refused(f"{self.label} holds more than the {self._limits.members:,} files a "
                                      "submission may hold: hand in only the files the homework asks for")
                else:
                    skipped.append(f"special file {name} (not a regular file, so not read)")

    @contextlib.contextmanager
    def _open(self, entry: Entry, limit: int) -> Iterator[BinaryIO]:
        if entry.size > limit:
            raise too_large(f"{entry.name} in {self.label}", limit)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        handle = os.open(self._root / entry.name, flags)
        with os.fdopen(handle, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise Refused(f"{entry.name} in {self.label} is not a regular file")
            yield stream

    def read(self, entry: Entry, limit: int) -> bytes:
        with self._open(entry, limit) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:
            raise too_large(f"{entry.name} in {self.label}", limit)
        return data

    def copy(self, entry: Entry, target: Path) -> int:
        limit = self._limits.member_bytes
        with self._open(entry, limit) as stream:
            return write_new(target, stream, limit, f"{entry.name} in {self.label}")

    @contextlib.contextmanager
    def nested(self, entry: Entry) -> Iterator[ZipContents]:
        with open_zip(self._root / entry.name, limits=self._limits,
                      label=f"the zip inside it ({entry.basename})") as inner:
            yield inner
