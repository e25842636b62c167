"""What students hand in, built the way their tools build it: zips (as an
archiver writes them) and notebooks (as Jupyter saves them, through
nbformat)."""

from __future__ import annotations

import io
import zipfile

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def zip_bytes(members: dict[str, bytes | str]) -> bytes:
    """A deflated zip holding ``members`` (name: content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def notebook(*cells: str | tuple[str, str]) -> str:
    """A notebook as Jupyter saves it: a string is a code cell, ``("md", text)`` a markdown cell."""
    made = [new_markdown_cell(cell[1]) if isinstance(cell, tuple) else new_code_cell(cell) for cell in cells]
    return nbformat.writes(new_notebook(cells=made))
