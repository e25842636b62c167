"""The Plotly embedding: a page's figures as JSON drawn by one script at its end, and where
the page finds plotly.js (Plotly is the optional ``report`` extra)."""

from __future__ import annotations

import json
from typing import Any, Literal

from grader.reporters.html.values import _e

PlotlyJs = Literal["inline", "directory", "none"]
"""Where the page finds plotly.js: inlined (a self-contained page, about
4.8 MB), ``plotly.min.js`` beside the page (many pages in one folder share
it: batch reports), or nowhere (tables only)."""
PLOTLY_FILE = "plotly.min.js"
INSTALL = "pip install 'grade[report]'"


class _Plots:
    """The page's Plotly figures, drawn by one script at the end of the page."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.figures: list[tuple[str, dict[str, Any]]] = []
        self.missing = False

    @property
    def used(self) -> bool:
        return bool(self.figures)

    def add(self, name: str, figure: dict[str, Any] | None, *, height: int) -> str:
        if figure is None:
            return ""
        if not self.enabled or not _have_plotly():
            self.missing = self.missing or self.enabled
            return ""
        div = f"plot-{name}"
        figure["layout"] = {"height": height, "paper_bgcolor": "white", "font": {"size": 12},
                            **figure.get("layout", {})}
        # As JSON now, in its section: a value past encoding fails there, and NaN or inf is a gap (null).
        figure = json.loads(json.dumps(figure, default=str), parse_constant=lambda constant: None)
        self.figures.append((div, figure))
        return (f'<div class="plot" id="{div}" data-kind="{_e(name.split("-")[0])}" '
                f'style="min-height:{height}px"></div>')

    def scripts(self) -> str:
        if not self.figures:
            return ""
        specs = json.dumps({div: figure for div, figure in self.figures}, allow_nan=False, default=str)
        specs = specs.replace("</", "<\\/")
        return ('<script id="figures" type="application/json">' + specs + "</script><script>"
                "const specs=JSON.parse(document.getElementById('figures').textContent);"
                "for(const [id,f] of Object.entries(specs)){Plotly.newPlot(id,f.data,f.layout,"
                "{displaylogo:false,responsive:true});}</script>")

    @staticmethod
    def javascript() -> str:
        from plotly.offline import get_plotlyjs

        return str(get_plotlyjs())


def plotly_available() -> bool:
    """Whether the optional report extra (Plotly) is installed."""
    return _have_plotly()


def plotly_javascript() -> str:
    """plotly.js, as the Plotly package ships it (works offline)."""
    return _Plots.javascript()


def _have_plotly() -> bool:
    try:
        import plotly.offline  # noqa: F401
    except ImportError:
        return False
    return True
