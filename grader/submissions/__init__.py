"""Submissions as courses deliver them: a ``.py``, a notebook, a zip with the PDF, a folder, under
a student's own name or a Canvas download name.

    reader     read(path, assignment) -> Handed: the one source to grade, its companions,
               what was adapted, or why nothing can be graded
    zips       a student's zip read without trusting it (names, sizes, bombs)
    folders    a folder read by the same rules
    notebooks  a notebook's code cells as one source, IPython's own lines set aside
    origin     where a line of the graded source was written (cell 4, line 2)
    canvas     the parts of a Canvas "Download Submissions" name
    names      how a handed name relates to an assignment's file patterns

Who the student is, from a name, is :mod:`grader.identity`'s.
"""

from __future__ import annotations

from grader.submissions.reader import Companion, Handed, Kind, read

__all__ = ["Companion", "Handed", "Kind", "read"]
