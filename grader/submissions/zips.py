"""Reading a student's zip without trusting it.

A zip is a list of names and sizes its maker wrote, and any of them may lie. So, before any
member is decompressed: the archive's own size is capped; its end record's entry count and
directory size are read from the last bytes of the file and capped, before :mod:`zipfile` builds
its list; every name must stay inside the folder it would be extracted to (no ``../``, no
absolute path, no drive letter); and the sizes the headers declare must keep within caps on
each member, on the total and on the compression ratio. Then a member is decompressed in chunks
and counted as it comes, against the caps on its size and the total (and :mod:`zipfile` stops at
the size the header declares, checking the CRC), so a header that lies costs no more than one
that tells the truth. A zip bomb (gigabytes of zeros in kilobytes) is refused from its headers
in milliseconds; a nested one is read one level deep at most (see ``reader``).

Names are decoded as the zip says (UTF-8 when its flag is set, else the DOS code page 437), and
a name without the flag that is valid UTF-8 is read as UTF-8, as many zip tools write it.
Links and device files are passed over, never extracted; dot files, ``__MACOSX/`` and
``__pycache__/`` are the tools' leftovers and are ignored.
"""

from __future__ import annotations

import contextlib
import io
import lzma
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from grader.submissions.contents import CHUNK, Entry, Refused, too_large, write_new

MiB = 1 << 20


@dataclass(frozen=True)
class ZipLimits:
    """What a student's zip may hold. The defaults fit a homework (a few Python files, a PDF of
    screenshots) with room to spare and keep a hostile zip to a bounded cost."""

    archive_bytes: int = 128 * MiB
    members: int = 2000
    directory_bytes: int = 4 * MiB
    """The zip's central directory, which :mod:`zipfile` reads into memory whole."""
    member_bytes: int = 64 * MiB
    total_bytes: int = 256 * MiB
    ratio: float = 100.0
    """Uncompressed over compressed size; text compresses 3 to 10 times, a zip bomb 1000."""
    ratio_floor: int = 1 * MiB
    """Members smaller than this may compress as well as they like."""


DEFAULT_LIMITS = ZipLimits()
_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_DRIVE = re.compile(r"[A-Za-z]:")
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
            NotImplementedError, RuntimeError, ValueError, OverflowError)
"""What :mod:`zipfile` raises on bytes that are not the zip their headers describe."""


def _directory(handle: IO[bytes]) -> tuple[int, int]:
    """The entry count and central directory size the zip's end record declares, found the way
    :mod:`zipfile` finds it (the last end signature in the final 64 KiB)."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - 22 - 0xFFFF))
    tail = handle.read()
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22:
        raise Refused("the file is not a zip archive (or it is cut short)")
    entries = int.from_bytes(tail[at + 10:at + 12], "little")
    directory = int.from_bytes(tail[at + 12:at + 16], "little")
    locator = at - 20
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and locator >= 0 and tail[locator:locator + 4] == _END64_LOCATOR:
        handle.seek(int.from_bytes(tail[locator + 8:locator + 16], "little"))
        record = handle.read(56)
        if record[:4] != _END64:
            raise Refused("the zip is damaged (its zip64 end record is missing)")
        entries = int.from_bytes(record[32:40], "little")
        directory = int.from_bytes(record[40:48], "little")
    return entries, directory


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker meant it: UTF-8 without the flag is still UTF-8."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name.replace("\\", "/")


def safe_parts(name: str) -> tuple[str, ...]:
    """The path parts of a member name; ``Refused`` when it would lead outside the folder."""
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if name.startswith("/") or _DRIVE.match(name) or ".." in parts or any("\x00" in part for part in parts):
        raise Refused(f"the zip holds a file whose name leads outside its folder ({name!r}); a zip tool never "
                      "writes such a name, so the zip is not read: zip your files again")
    return parts


def ignored(parts: tuple[str, ...]) -> bool:
    """A zip tool's or an editor's leftovers: dot files and folders, ``__MACOSX``, ``__pycache__``."""
    return any(part.startswith(".") or part in ("__MACOSX", "__pycache__") for part in parts)


class ZipContents:
    """The files of an open zip (a :class:`~grader.submissions.contents.Contents`); make one with
    :func:`open_zip`."""

    def __init__(self, archive: zipfile.ZipFile, limits: ZipLimits, label: str) -> None:
        self.label = label
        self._zip = archive
        self._limits = limits
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._used = 0
        entries: list[Entry] = []
        skipped: list[str] = []
        declared = 0
        for info in archive.infolist():
            name = member_name(info)
            parts = safe_parts(name)
            declared += info.file_size
            self._check_declared(info, name, declared)
            mode = info.external_attr >> 16
            if not parts or info.is_dir() or stat.S_ISDIR(mode) or ignored(parts):
                continue
            path = "/".join(parts)
            if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                what = "link" if stat.S_ISLNK(mode) else "special file"
                skipped.append(f"{what} {path} (not a regular file, so not extracted)")
                continue
            if info.flag_bits & 0x1:
                raise Refused("the zip is password-protected; zip your files again without a password")
            if info.compress_type not in _READABLE:
                raise Refused(f"{path} in the zip is compressed with a method the grader cannot read (method "
                              f"{info.compress_type}); zip your files again with your system's own zip tool")
            if path in self._infos:
                raise Refused(f"the zip holds two files named {path}; zip your files again")
            self._infos[path] = info
            entries.append(Entry(path, info.file_size))
        self.entries = tuple(entries)
        self.skipped = tuple(skipped)

    def _check_declared(self, info: zipfile.ZipInfo, name: str, declared: int) -> None:
        limits = self._limits
        if info.file_size > limits.member_bytes:
            raise too_large(f"{name} in the zip (as its header says)", limits.member_bytes)
        if declared > limits.total_bytes:
            raise Refused(f"the zip's files add up to more than {limits.total_bytes:,} bytes (as its headers say), "
                          "more than a submission may be")
        if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(info.compress_size, 1):
            raise Refused(f"{name} in the zip unpacks to {info.file_size:,} bytes from {info.compress_size:,}: a zip "
                          "bomb, or a file no homework needs, so the zip is not read")

    @contextlib.contextmanager
    def _stream(self, entry: Entry, limit: int) -> Iterator[_Counted]:
        """The member's bytes as a stream that refuses past ``limit`` or past what is left of
        the zip's total budget, whatever its header declares."""
        info = self._infos[entry.name]
        limits = self._limits
        budget = min(limit, limits.member_bytes, limits.total_bytes - self._used)
        try:
            raw = self._zip.open(info)
        except _DAMAGED as exc:
            raise Refused(f"the zip is damaged: {entry.name} cannot be unpacked ({_reason(exc)})") from None
        counted = _Counted(raw, budget, entry.name)
        try:
            yield counted
        finally:
            self._used += counted.count
            raw.close()

    def read(self, entry: Entry, limit: int) -> bytes:
        with self._stream(entry, limit) as stream:
            return stream.read()

    def copy(self, entry: Entry, target: Path) -> int:
        with self._stream(entry, self._limits.member_bytes) as stream:
            return write_new(target, stream, self._limits.member_bytes, f"{entry.name} in the zip")

    @contextlib.contextmanager
    def nested(self, entry: Entry) -> Iterator[ZipContents]:
        with tempfile.SpooledTemporaryFile(max_size=8 * MiB) as spool:
            with self._stream(entry, self._limits.archive_bytes) as stream:
                while chunk := stream.read(CHUNK):
                    spool.write(chunk)
            spool.seek(0)
            with open_zip(spool, limits=self._limits, label=f"the zip inside it ({entry.basename})") as inner:
                yield inner


class _Counted:
    """A member's decompressed bytes, counted as they are read; what :mod:`zipfile` raises on
    bytes that are not what the headers describe becomes the student's refusal here, and only
    here, so a failure to write a kept copy is never taken for a damaged zip."""

    def __init__(self, raw: IO[bytes], budget: int, name: str) -> None:
        self._raw, self._budget, self._name = raw, budget, name
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            chunks = []
            while chunk := self.read(CHUNK):
                chunks.append(chunk)
            return b"".join(chunks)
        try:
            chunk = self._raw.read(min(size, CHUNK))
        except _DAMAGED as exc:
            raise Refused(f"the zip is damaged: {self._name} cannot be unpacked ({_reason(exc)})") from None
        self.count += len(chunk)
        if self.count > self._budget:
            raise too_large(f"{self._name} in the zip", self._budget)
        return chunk


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@contextlib.contextmanager
def open_zip(source: Path | IO[bytes], *, limits: ZipLimits = DEFAULT_LIMITS,
             label: str = "the zip") -> Iterator[ZipContents]:
    """The zip's files, checked as the module docstring says; ``Refused`` when it cannot be read
    safely, or at all (not a zip, damaged, encrypted)."""
    with contextlib.ExitStack() as stack:
        handle: IO[bytes] = stack.enter_context(open(source, "rb")) if isinstance(source, Path) else source
        try:
            handle.seek(0, io.SEEK_END)
            size = handle.tell()
            if size > limits.archive_bytes:
                raise Refused(f"{label} is {size:,} bytes, more than the {limits.archive_bytes:,} a submission "
                              "may be")
            entries, directory = _directory(handle)
            if entries > limits.members:
                raise Refused(f"{label} holds {entries:,} files, more than the {limits.members:,} a submission may "
                              "hold: zip only the files the homework asks for")
            if directory > limits.directory_bytes:
                raise Refused(f"{label}'s list of files takes {directory:,} bytes, more than a submission's may")
            handle.seek(0)
            archive = stack.enter_context(zipfile.ZipFile(handle))
            if len(archive.infolist()) > limits.members:
                raise Refused(f"{label} holds more than the {limits.members:,} files a submission may hold")
            contents = ZipContents(archive, limits, label)
        except Refused:
            raise
        except _DAMAGED as exc:
            raise Refused(f"{label} is damaged or not a zip archive ({_reason(exc)})") from None
        yield contents
