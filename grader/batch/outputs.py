"""What a batch writes: one result JSON per submission (``results``), ``grades.csv`` (the class
view, ``grades_csv``), a summary of the class (``summary``) and the HTML pages (``pages``). Once
points graded by hand are stored (``grade manual import``), each of them shows auto + hand.
"""

from __future__ import annotations

from pathlib import Path

from grader.batch.grades_csv import write_csv
from grader.batch.pages import _write_pages
from grader.batch.record import Batch
from grader.batch.results import write_results
from grader.batch.summary import Summary, summarise, write_summary


def write_outputs(batch: Batch, out: Path) -> tuple[Path, Summary, Path]:
    """Everything a batch writes from its store: results, ``grades.csv``, the
    summary and the pages. Returns the CSV, the summary and the summary page."""
    write_results(batch, out)
    csv_path = write_csv(batch, out)
    summary, page = _write_pages(batch, summarise(batch), out)
    write_summary(summary, out)
    return csv_path, summary, page
