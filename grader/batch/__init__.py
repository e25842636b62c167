"""Grading a whole class: ``grade_batch`` (parallel, resumable), its store,
and the files it writes (results, Canvas CSV, summary, HTML pages)."""

from __future__ import annotations

from grader.batch.outputs import Summary, summarise, write_csv, write_pages, write_results, write_summary
from grader.batch.runner import Batch, BatchStarted, SubmissionGraded, grade_batch

__all__ = ["Batch", "BatchStarted", "SubmissionGraded", "Summary", "grade_batch", "summarise", "write_csv",
           "write_pages", "write_results", "write_summary"]
