"""Grading a whole class: ``grade_batch`` (parallel, resumable), its store,
and the files it writes (results, Canvas CSV, summary, HTML pages)."""

from __future__ import annotations

from grader.batch.grades_csv import write_csv
from grader.batch.pages import write_pages
from grader.batch.record import Batch, BatchStarted, SubmissionGraded
from grader.batch.results import write_results
from grader.batch.runner import grade_batch
from grader.batch.summary import Summary, summarise, write_summary

__all__ = ["Batch", "BatchStarted", "SubmissionGraded", "Summary", "grade_batch", "summarise", "write_csv",
           "write_pages", "write_results", "write_summary"]
