"""Similarity between a class's submissions (``grade similarity``, ``grade batch --similarity``):
which pairs share code beyond the stub, for a person to read. ``compare`` finds the pairs
(copydetect), ``cache`` keeps tokenised sources in the batch's database, and
``grader.reporters.similarity`` writes the CSV and the page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.assignments import Assignment
from grader.errors import UsageError
from grader.similarity.compare import THRESHOLD, Entry, Pair, Similarity, compare, read_folder

__all__ = ["Entry", "Pair", "Similarity", "THRESHOLD", "Written", "compare", "read_folder", "similarity"]


@dataclass(frozen=True)
class Written:
    result: Similarity
    csv: Path
    page: Path


def _available() -> None:
    try:
        import copydetect  # noqa: F401
    except ImportError as exc:
        raise UsageError("similarity needs copydetect, which is not installed: pip install 'grade[similarity]'") from exc


def similarity(folder: Path, assignment: Assignment, out: Path, *, archive: Path | None = None,
               boilerplate: tuple[Path, ...] = (), threshold: float = THRESHOLD) -> Written:
    """Compare every pair of ``folder``'s submissions (and each with ``archive``'s files), the stub and
    ``boilerplate`` files left out, and write ``out/similarity.csv`` and ``out/similarity.html``."""
    from grader.reporters import similarity as written
    from grader.similarity.cache import SqliteTokens

    _available()
    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold must be a share between 0 and 1, not {threshold}")
    entries, skipped = read_folder(folder, assignment)
    if archive is not None:
        older, also = read_folder(archive, assignment, archive=True)
        entries, skipped = entries + older, skipped + also
    stubs = [(assignment.folder / assignment.stub).read_text(encoding="utf-8")]
    for path in boilerplate:
        try:
            stubs.append(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--boilerplate {path}: cannot read it as text ({exc})") from exc
    out.mkdir(parents=True, exist_ok=True)
    cache = SqliteTokens(out / "grades.sqlite")
    try:
        result = compare(entries, stubs, cache=cache, threshold=threshold, assignment=assignment.id)
    finally:
        cache.close()
    result.not_compared = skipped
    return Written(result, written.write_csv(result, out / "similarity.csv"),
                   written.write_page(result, out / "similarity.html"))
