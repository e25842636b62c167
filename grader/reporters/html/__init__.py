"""A result as one HTML page a student would rather look at: the score, the
per-item table with feedback and hints, the notes, and for homeworks that
train, the search drawn (a row per trial and an interactive parallel-
coordinates plot with the chosen trial highlighted), the learning curves the
submission logged, the chosen model on the test set (its figures against the
thresholds, a confusion matrix, misclassified images) and the gradient blocks.

The page is rendered from the result JSON alone (``grade submit --report`` and
``grade report RESULT.json`` give the same page). Plots use Plotly, the
optional ``report`` extra (``pip install 'grade[report]'``): its parallel
coordinates brush on every axis, as the W&B plot the course asks for does, and
its JavaScript works offline. Without it the page keeps every table and says
how to get the plots.

A result is data, partly from the submission's own process (its wandb runs,
its trials), which student code can forge, and partly from older graders: a
part of the wrong type is left out and said on the page as malformed, and the
rest is drawn. ``draw`` writes an error page in place of a page that fails
anyway, and says so, so one student's page never stops a batch.
"""

from __future__ import annotations

from grader.reporters.html.page import Drawn, draw, error_page, load, pages, render, write
from grader.reporters.html.plots import INSTALL, PLOTLY_FILE, PlotlyJs, plotly_available, plotly_javascript
from grader.reporters.html.summary import summary_page

__all__ = ["INSTALL", "PLOTLY_FILE", "Drawn", "PlotlyJs", "draw", "error_page", "load", "pages",
           "plotly_available", "plotly_javascript", "render", "summary_page", "write"]
