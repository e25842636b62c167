"""Which submissions share code beyond the stub: copydetect's winnowing over normalised tokens.

Each submission is read as a batch reads it (``folder.collect``, then the reader: the Python file
of a zip or folder, a notebook's code cells), one entry per graded submission (a team's file
once). Its source is tokenised by copydetect's ``filter_code``: every name becomes ``V``, ``F`` or
``O``, every string ``S``, comments and whitespace go. Renamed variables, changed comments,
reformatting therefore change nothing, and fingerprints are k-grams of what is left
(``K`` characters), so moved functions are found wherever they went. The stub's fingerprints are
removed from every file: code every student received never counts.

A pair's *share* for one file is the part of that file's fingerprinted code (after the stub) that
is also in the other; pairs rank by the larger share, then by the code they have in common. It
is a flag for a person to read, never a grade.

Tokenising is most of the cost, so its output is cached by the source's sha256 (``TokenCache``,
in the batch's database); fingerprints are hashed again each run (copydetect uses Python's
``hash``, which differs between processes).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from grader.assignments import Assignment

K = 25
"""copydetect's noise threshold: the length of a fingerprinted k-gram of normalised code."""
WINDOW = 1
"""Winnowing window (copydetect's guarantee threshold minus the noise threshold, plus one)."""
THRESHOLD = 0.7
"""The share above which a pair is shown on the page (the CSV lists every pair with code in common)."""
MIN_OVERLAP = 2 * K
"""A pair sharing less normalised code than this (characters) is not listed: one idiom in common."""
SUBSTANTIAL = 8 * K
"""Normalised characters in common (about eight lines of code) for a pair to be flagged and ranked
with the others that share this much: a short file's few lines can be most of it by chance
(constants and a helper from an older template)."""


class TokenCache(Protocol):
    def get(self, digest: str) -> tuple[str, np.ndarray] | None: ...

    def put(self, digest: str, filtered: str, offsets: np.ndarray) -> None: ...


@dataclass(frozen=True)
class Entry:
    """One file compared."""

    file: str
    students: tuple[str, ...]
    source: str
    archive: bool = False
    """From an earlier term (``--archive``): compared with the class, not with other archive files."""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"archive/{self.file}" if self.archive else self.file


@dataclass(frozen=True)
class Pair:
    a: Entry
    b: Entry
    share_a: float
    """The part of a's code (beyond the stub) found in b."""
    share_b: float
    overlap: int
    """Normalised characters of a found in b."""
    spans_a: tuple[tuple[int, int], ...]
    """Character ranges of a's source that match b."""
    spans_b: tuple[tuple[int, int], ...]

    @property
    def score(self) -> float:
        return max(self.share_a, self.share_b)

    @property
    def substantial(self) -> bool:
        return self.overlap >= SUBSTANTIAL

    @property
    def lines_a(self) -> tuple[tuple[int, int], ...]:
        return lines(self.a.source, self.spans_a)

    @property
    def lines_b(self) -> tuple[tuple[int, int], ...]:
        return lines(self.b.source, self.spans_b)


@dataclass
class Similarity:
    assignment: str
    entries: list[Entry]
    pairs: list[Pair]
    """Every pair with at least ``MIN_OVERLAP`` in common: those with ``SUBSTANTIAL`` code in common
    first, each group most similar first."""
    not_compared: list[tuple[str, str]] = field(default_factory=list)
    """(file, why): entries of the folders that are not in any pair."""
    threshold: float = THRESHOLD
    seconds: float = 0.0
    tokenised: int = 0
    """Sources tokenised by this run (the rest came from the cache)."""

    @property
    def flagged(self) -> list[Pair]:
        """The pairs a person should read: a share at least ``threshold``, and substantial code in common."""
        return [pair for pair in self.pairs if pair.score >= self.threshold and pair.substantial]


@dataclass
class _Print:
    """What copydetect's ``compare_files`` reads of a ``CodeFingerprint``, built from cached tokens."""

    filtered_code: str
    offsets: np.ndarray
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    token_coverage: float
    k: int = K


def _fingerprint(filtered: str, offsets: np.ndarray, boilerplate: set[int]) -> _Print:
    from copydetect.utils import get_document_fingerprints, get_token_coverage

    hashes, index = get_document_fingerprints(filtered, K, WINDOW)
    for value in hashes & boilerplate:  # every occurrence of the stub's code, not only the first
        index.pop(value)
    hashes = hashes - boilerplate
    return _Print(filtered, offsets, hashes, index, float(get_token_coverage(index, K, len(filtered))))


def _tokens(source: str, cache: TokenCache | None) -> tuple[tuple[str, np.ndarray], bool]:
    """copydetect's normalised code and offsets of ``source``, and whether they were tokenised now."""
    from copydetect.utils import filter_code

    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    found = cache.get(digest) if cache is not None else None
    if found is not None:
        return found, False
    filtered, offsets = filter_code(source, "submission.py")
    offsets = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    if cache is not None:
        cache.put(digest, filtered, offsets)
    return (filtered, offsets), True


def compare(entries: list[Entry], stubs: list[str], *, cache: TokenCache | None = None,
            threshold: float = THRESHOLD, assignment: str = "") -> Similarity:
    """Every pair of ``entries`` (class with class, archive with class), with the code of ``stubs`` (the
    assignment's stub, older templates) as boilerplate."""
    started = time.perf_counter()
    boilerplate: set[int] = set()
    for stub in stubs:
        boilerplate |= _fingerprint(*_tokens(stub, cache)[0], set()).hashes
    prints, tokenised = [], 0
    for entry in entries:
        found, now = _tokens(entry.source, cache)
        tokenised += now
        prints.append(_fingerprint(*found, boilerplate))
    pairs = []
    for first, second, overlap, share_a, share_b, slices_a, slices_b in _compared(prints, _candidates(entries, prints)):
        a, b = entries[first], entries[second]
        if a.archive:  # the class's file first
            a, b, share_a, share_b, slices_a, slices_b = b, a, share_b, share_a, slices_b, slices_a
        pairs.append(Pair(a, b, share_a, share_b, overlap, slices_a, slices_b))
    pairs.sort(key=lambda p: (not p.substantial, -p.score, -p.overlap, p.a.label, p.b.label))
    return Similarity(assignment, entries, pairs, threshold=threshold, seconds=time.perf_counter() - started,
                      tokenised=tokenised)


def _candidates(entries: list[Entry], prints: list[_Print]) -> list[tuple[int, int]]:
    """The pairs to compare: class with class and archive with class, holding a fingerprint in common."""
    found = []
    for first in range(len(entries)):
        for second in range(first + 1, len(entries)):
            if entries[first].archive and entries[second].archive:
                continue
            if not prints[first].hashes.isdisjoint(prints[second].hashes):
                found.append((first, second))
    return found


_Compared = tuple[int, int, int, float, float, tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]
_PRINTS: list[_Print] = []
"""The fingerprints the forked comparers read (inherited, not sent)."""
PARALLEL_FROM = 2000
"""Candidate pairs from which the comparison is shared among the machine's cores (forked processes)."""


def _compare_some(candidates: list[tuple[int, int]]) -> list[_Compared]:
    """copydetect's comparison of each candidate pair with at least ``MIN_OVERLAP`` in common."""
    from copydetect.detector import compare_files

    found = []
    for first, second in candidates:
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(_PRINTS[first], _PRINTS[second])
        if overlap >= MIN_OVERLAP:
            found.append((first, second, int(overlap), float(share_a), float(share_b), _spans(slices_a),
                          _spans(slices_b)))
    return found


def _compared(prints: list[_Print], candidates: list[tuple[int, int]]) -> list[_Compared]:
    """``_compare_some`` of every candidate: on every core (forked from this process, which holds the
    fingerprints) when there are many and the platform forks, else here."""
    import multiprocessing
    import os

    _PRINTS[:] = prints
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if cores < 2 or len(candidates) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
            return _compare_some(candidates)
        chunks = [candidates[start::cores * 4] for start in range(cores * 4)]
        with multiprocessing.get_context("fork").Pool(cores) as pool:
            return [found for part in pool.map(_compare_some, chunks) for found in part]
    finally:
        _PRINTS.clear()


def _spans(slices: Any) -> tuple[tuple[int, int], ...]:
    array = np.asarray(slices, dtype=np.int64).reshape(2, -1)
    return tuple((int(start), int(end)) for start, end in zip(array[0], array[1]))


@functools.lru_cache(maxsize=1024)
def _line_starts(source: str) -> list[int]:
    return [0] + [match.end() for match in re.finditer("\n", source)]


def lines(source: str, spans: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """Character spans as 1-based line ranges, ranges that touch merged."""
    starts = _line_starts(source)
    merged: list[list[int]] = []
    for start, end in spans:
        first = bisect.bisect_right(starts, start)
        last = bisect.bisect_right(starts, max(start, end - 1))
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return tuple((first, last) for first, last in merged)


def ranges(found: tuple[tuple[int, int], ...]) -> str:
    """``3-10, 14`` for line ranges."""
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in found)


def read_folder(folder: Path, assignment: Assignment, *, archive: bool = False) -> tuple[list[Entry],
                                                                                       list[tuple[str, str]]]:
    """The entries of a submissions folder, read as a batch reads it, and (file, why) for each entry of the
    folder that is not compared: superseded, refused, or with no Python source to read."""
    from grader.batch.folder import collect
    from grader.submissions import read

    submissions, accounted = collect(folder, assignment)
    graded = {s.path.name for s in submissions}
    prefix = "archive/" if archive else ""
    skipped = [(prefix + a.file, f"{a.status}: {a.reason}") for a in accounted
               if a.file not in graded and a.status != "companion"]
    entries = []
    for submission in submissions:
        handed = read(submission.path, assignment)
        if handed.source is None:
            skipped.append((prefix + submission.path.name, f"no Python source to compare: {handed.refusal}"))
            continue
        entries.append(Entry(submission.path.name, submission.students, handed.source, archive))
    return entries, skipped
