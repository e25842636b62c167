"""Streaming HTTP download into a partial file, with retries and resume.

:class:`Downloader` only ever writes ``<final>.part`` (and a small
``.part.json`` saying which URL and server version the bytes came from); the
caller verifies the finished part and renames it into place. The
``requests.Session`` is injected, so tests drive it against a real loopback
server and callers can share connection pools.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import requests
import urllib3

from grader.datasets.progress import NullProgress, Progress
from grader.errors import DownloadError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class RetryPolicy:
    """How patient a download is. Delays double from ``base_delay`` up to
    ``max_delay``; an attempt that made progress resets the count."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


class _Retryable(Exception):
    """A failure worth another attempt (5xx, 429, a short body)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Downloader:
    session: requests.Session = field(default_factory=requests.Session)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    progress: Progress = field(default_factory=NullProgress)
    sleep: Callable[[float], None] = time.sleep
    chunk_size: int = 4 << 20

    def download(self, url: str, part: Path, *, label: str) -> None:
        """Stream ``url`` into ``part``, resuming what an earlier attempt left.

        Raises ``DownloadError`` once the retries are spent or the server
        answers with a client error.
        """
        meta = part.with_name(part.name + ".json")
        offset, validator = _resumable(part, meta, url)
        attempt = 0
        while True:
            before = offset
            try:
                validator = self._attempt(url, part, meta, offset, validator, label)
                meta.unlink(missing_ok=True)
                return
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
                    urllib3.exceptions.HTTPError, _Retryable) as exc:
                offset = part.stat().st_size if part.exists() else 0
                attempt = 1 if offset > before else attempt + 1
                if _host_unknown(exc):
                    # No DNS answer: offline, or a mistyped mirror. Waiting will not help.
                    raise DownloadError(f"{url}: cannot resolve the host name (offline?)") from exc
                if attempt >= self.policy.attempts:
                    raise DownloadError(
                        f"{url}: {_describe(exc)} (gave up after {attempt} attempts)"
                    ) from exc
                wait = self.policy.delay(attempt)
                if isinstance(exc, _Retryable) and exc.retry_after is not None:
                    wait = min(self.policy.max_delay, max(wait, exc.retry_after))
                self.sleep(wait)

    def _attempt(self, url: str, part: Path, meta: Path, offset: int,
                 validator: str | None, label: str) -> str | None:
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if validator:
                headers["If-Range"] = validator
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        with self.session.get(url, stream=True, timeout=timeout, headers=headers) as resp:
            status = resp.status_code
            if status in RETRY_STATUSES:
                raise _Retryable(f"HTTP {status} {resp.reason}", _retry_after(resp))
            if status == 416 and offset:
                # The partial bytes are no prefix of what the server has now.
                part.unlink(missing_ok=True)
                raise _Retryable("HTTP 416: the partial file no longer matches; starting over")
            if status >= 400:
                raise DownloadError(f"{url}: HTTP {status} {resp.reason}")
            length = resp.headers.get("Content-Length")
            if status == 206 and offset:
                start = _range_start(resp.headers.get("Content-Range", ""))
                if start != offset:
                    part.unlink(missing_ok=True)
                    raise _Retryable(f"server resumed at byte {start}, not {offset}")
                mode = "ab"
            else:  # 200: the whole file, whether or not we asked for a range
                if offset:
                    self.progress.restart()
                offset, mode = 0, "wb"
            total = offset + int(length) if length is not None else None
            validator = resp.headers.get("ETag") or resp.headers.get("Last-Modified")
            meta.write_text(json.dumps({"url": url, "validator": validator}))
            self.progress.start(label, total, offset)
            written = offset
            with open(part, mode) as fh:
                for chunk in self._chunks(resp):
                    fh.write(chunk)
                    written += len(chunk)
                    self.progress.advance(len(chunk))
            if total is not None and written != total:
                raise _Retryable(f"connection closed after {written:,} of {total:,} bytes")
            return validator


    def _chunks(self, resp: requests.Response) -> Iterator[bytes]:
        """The body as it arrives. urllib3's ``read1`` returns whatever one
        socket read gives (up to ``chunk_size``), so bytes received before a
        dropped connection are kept for the resume; ``iter_content`` would
        lose the chunk in flight."""
        read1 = getattr(resp.raw, "read1", None)
        if read1 is None:
            yield from resp.iter_content(self.chunk_size)
            return
        while chunk := read1(self.chunk_size):
            yield chunk


def _resumable(part: Path, meta: Path, url: str) -> tuple[int, str | None]:
    """The bytes an earlier run left for this same URL, else a clean start."""
    try:
        info = json.loads(meta.read_text())
        if info.get("url") == url and part.exists():
            return part.stat().st_size, info.get("validator")
    except (OSError, ValueError):
        pass
    part.unlink(missing_ok=True)
    meta.unlink(missing_ok=True)
    return 0, None


def _range_start(header: str) -> int | None:
    match = _CONTENT_RANGE.fullmatch(header.strip())
    return int(match.group(1)) if match else None


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


def _host_unknown(exc: BaseException) -> bool:
    """Whether a connection error is a failed name lookup."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, urllib3.exceptions.NameResolutionError):
            return True
        reason = getattr(seen, "reason", None)
        inner = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = reason if isinstance(reason, BaseException) else inner or seen.__cause__ or seen.__context__
    return False


def _describe(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return f"timed out ({exc.__class__.__name__})"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({exc})"
    return str(exc)


def copy_from_directory(source: Path, part: Path) -> None:
    """A mirror folder: copy the file into the partial name (never in place)."""
    part.unlink(missing_ok=True)
    with open(source, "rb") as src, open(part, "wb") as dst:
        while chunk := src.read(16 << 20):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
