"""``grade report RESULT.json --out PAGE.html``: the HTML page of a saved result."""

from __future__ import annotations

from pathlib import Path

import click

from grader.reporters import files, html


@click.command("report")
@click.argument("result", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Where to write the page.")
@click.option("--plotly", "plotly_js", type=click.Choice(["inline", "directory", "none"]), default="inline",
              show_default=True, help="inline: one self-contained page; directory: plotly.min.js beside it "
                                      "(many pages share it); none: tables only.")
def report_command(result: Path, out: Path, plotly_js: str) -> None:
    """Render the HTML report of RESULT.json: a result from `grade submit --json`, `grade batch`, or the
    results.json of the exported Gradescope autograder."""
    files.check_writable(out, option="--out")
    try:
        loaded = html.load(result)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="RESULT") from None
    page = html.draw(loaded, out, plotly_js=plotly_js)  # type: ignore[arg-type]
    written = page.path
    if page.failed:
        click.echo(f"the page could not be drawn ({page.failed}); an error page saying so was written to {written}")
        return
    found = loaded.get("figures")
    figures: dict = found if isinstance(found, dict) else {}
    drawn = ", ".join(kind for kind in ("search", "runs", "test", "gradients") if figures.get(kind)) or "no figures"
    left_out = f"; {len(page.malformed)} malformed part(s) left out, named at its top" if page.malformed else ""
    click.echo(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB; {drawn}{left_out})")
