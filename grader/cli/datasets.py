"""``grade datasets ...`` (being written)."""

from __future__ import annotations

import click


@click.group("datasets")
def datasets_group() -> None:
    """List, fetch, import and verify the course's datasets."""
