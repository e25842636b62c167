"""One reader for what students hand in: a ``.py``, a notebook, a zip, or a folder, turned into the
one Python source that is graded and the files that came with it.

In a zip or folder (at any depth; a zip's leftovers such as ``__MACOSX/`` and dot files
ignored), the Python file (``.py`` or ``.ipynb``) named after the assignment's patterns is the
submission; failing that, one named like the stub; failing that, the only Python file there is,
whatever its name. Several that fit equally are refused with their names, never guessed between
(except a ``.py`` beside the notebook of the same name: the ``.py`` is the file the handout asks
for). A zip or folder holding no Python file but one zip is read through that zip, one level
deep. Everything else that came (the PDF for the hand-graded items) is a companion, copied to
``keep`` when the caller asks.

Whatever cannot be graded is a :attr:`Handed.refusal`, a sentence for the student (graded 0 by
the caller); what was adapted on the way is in :attr:`Handed.notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from grader.assignments import Assignment
from grader.checks import source as python_source
from grader.errors import UsageError
from grader.submissions import names, notebooks
from grader.submissions.contents import Contents, Entry, Refused
from grader.submissions.folders import FolderContents
from grader.submissions.origin import Origin
from grader.submissions.zips import DEFAULT_LIMITS, ZipLimits, open_zip

Kind = Literal["py", "ipynb", "zip", "folder"]

SOURCE_BYTES = 2 * 1024 * 1024
"""The largest Python file graded."""
MAX_NESTING = 1
"""A zip inside the zip or folder is read; a zip inside that one is not (a zip quine ends here)."""
DOCUMENTS = frozenset({".pdf", ".html", ".htm", ".doc", ".docx", ".txt", ".md", ".png", ".jpg", ".jpeg", ".csv"})
"""Files handed alone that are plainly not Python: refused with what they are."""
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_LISTED = 10


@dataclass(frozen=True)
class Companion:
    """A file that came with the submission and is not graded by the grader (the PDF)."""

    name: str
    """Its path inside the zip or folder."""
    size: int
    kept: Path | None = None
    """Where its copy lies, when ``read`` was asked to keep companions."""


@dataclass(frozen=True)
class Handed:
    """What a student handed in, read."""

    path: Path
    kind: Kind
    """What the handed path was read as (a zip named ``.py`` is a zip)."""
    source: str | None
    """The one Python source to grade; None when there is none (see ``refusal``)."""
    source_name: str | None
    """The name it is graded under: the chosen file's, a notebook's as ``.py``."""
    member: str | None = None
    """The chosen file's path inside the zip or folder."""
    companions: tuple[Companion, ...] = ()
    notes: tuple[str, ...] = ()
    """What was adapted, in words for the student."""
    refusal: str | None = None
    """Why nothing can be graded, in a sentence for the student."""
    origin: Origin = field(default_factory=Origin)
    rewritten: bool = False
    """``source`` is not the handed ``.py`` as it is (lines only IPython runs were set aside)."""

    def where(self, line: int) -> str:
        """Where line ``line`` of ``source`` was written: ``cell 4, line 2``, ``line 12``,
        ``homework6_jsmith.py line 12``."""
        return self.origin.where(line)


@dataclass(frozen=True)
class _Chosen:
    source: str
    source_name: str
    member: str
    origin: Origin
    companions: tuple[Companion, ...]
    notes: tuple[str, ...]


def read(path: Path, assignment: Assignment, *, keep: Path | None = None,
         limits: ZipLimits = DEFAULT_LIMITS) -> Handed:
    """Read what was handed in at ``path`` for ``assignment``. With ``keep``, the companions are
    copied into that folder (created when missing) under their own paths; a file already there
    is never overwritten (``FileExistsError``): give each submission a folder of its own."""
    path = Path(path)
    if path.is_dir():
        return _read_container(path, "folder", assignment, keep, limits, ())
    if not path.is_file():
        raise UsageError(f"no such file or folder: {path}")
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4)
    if suffix == ".zip" or head in _ZIP_MAGIC:
        notes = () if suffix == ".zip" else (f"{path.name} is a zip archive, though its name does not say so; "
                                             "it was read as one",)
        return _read_container(path, "zip", assignment, keep, limits, notes)
    if suffix == ".ipynb":
        return _read_notebook(path, ())
    if suffix in DOCUMENTS:
        return Handed(path, "py", None, None, refusal=f"a {suffix} file is not Python source: hand in your .py "
                                                      "file (or a zip holding it and the rest)")
    return _read_python(path)


def _read_python(path: Path) -> Handed:
    size = path.stat().st_size
    if size > SOURCE_BYTES:
        return Handed(path, "py", None, None, refusal=f"the file is {size:,} bytes; a submission may be at most "
                                                      f"{SOURCE_BYTES:,}")
    raw = path.read_bytes()
    if raw.lstrip()[:1] == b"{" and b'"cells"' in raw and b'"nbformat"' in raw:
        return _read_notebook(path, (f"{path.name} is a Jupyter notebook, though named {path.suffix or 'so'}; "
                                     "it was read as one",), raw)
    try:
        text = decode_python(raw)
    except Refused as refused:
        return Handed(path, "py", None, None, refusal=refused.reason)
    kept, notes = notebooks.residue(text)
    return Handed(path, "py", kept, path.name, notes=notes, rewritten=kept != text)


def _read_notebook(path: Path, notes: tuple[str, ...], raw: bytes | None = None) -> Handed:
    if raw is None and path.stat().st_size > notebooks.NOTEBOOK_BYTES:
        return Handed(path, "ipynb", None, None, notes=notes, refusal=(
            f"the notebook is larger than {notebooks.NOTEBOOK_BYTES:,} bytes (clear its outputs and save it again)"))
    try:
        notebook = notebooks.parse(path.read_bytes() if raw is None else raw)
    except Refused as refused:
        return Handed(path, "ipynb", None, None, notes=notes, refusal=refused.reason)
    return Handed(path, "ipynb", notebook.source, names.as_python(path.name), notes=(*notes, *notebook.notes),
                  origin=Origin(notebook.spans))


def decode_python(raw: bytes, inside: str | None = None) -> str:
    """The text Python reads from a source file's bytes (PEP 263, a UTF-8 BOM dropped);
    ``Refused`` with the reason when Python could not read them. ``inside`` names the file
    within its zip or folder (``homework6_jsmith.py in the zip``)."""
    if b"\x00" in raw:
        raise Refused(f"{inside or 'the file'} is not Python source (it contains NUL bytes: a notebook export or "
                      "binary?)")
    try:
        return python_source.decode(raw)
    except python_source.SourceEncodingError as exc:
        raise Refused(f"{inside}: {exc}" if inside else str(exc)) from None


def _read_container(path: Path, kind: Kind, assignment: Assignment, keep: Path | None, limits: ZipLimits,
                    notes: tuple[str, ...]) -> Handed:
    try:
        if kind == "folder":
            chosen = _choose(FolderContents(path, limits=limits), assignment, keep, 0)
        else:
            with open_zip(path, limits=limits) as contents:
                chosen = _choose(contents, assignment, keep, 0)
    except Refused as refused:
        return Handed(path, kind, None, None, notes=notes, refusal=refused.reason)
    return Handed(path, kind, chosen.source, chosen.source_name, member=chosen.member,
                  companions=chosen.companions, notes=(*notes, *chosen.notes), origin=chosen.origin)


def _choose(contents: Contents, assignment: Assignment, keep: Path | None, depth: int) -> _Chosen:
    """The submission among ``contents``' files, read, with its companions kept."""
    pythons = [entry for entry in contents.entries if entry.suffix in (".py", ".ipynb")]
    notes = [f"passed over {what}" for what in contents.skipped]
    pattern = assignment.file_patterns[0] if assignment.file_patterns else "the assignment's file name"
    fitting = [entry for entry in pythons if names.fits(assignment, entry.basename)]
    if not fitting:
        fitting = [entry for entry in pythons if names.is_stub(assignment, entry.basename)]
    if len(fitting) == 2 and {entry.suffix for entry in fitting} == {".py", ".ipynb"} and \
            len({names.as_python(entry.name) for entry in fitting}) == 1:
        notebook = next(entry for entry in fitting if entry.suffix == ".ipynb")
        notes.append(f"{notebook.name} was not graded: the .py of the same name beside it was")
        fitting = [entry for entry in fitting if entry.suffix == ".py"]
    if len(fitting) > 1:
        raise Refused(f"{contents.label} holds {len(fitting)} Python files that fit {pattern}: "
                      f"{_listed(fitting)}; hand in one")
    if fitting:
        chosen = fitting[0]
    elif len(pythons) == 1:
        chosen = pythons[0]
        notes.append(f"graded {chosen.name}, the only Python file in {contents.label}, though its name does not "
                     f"fit {pattern}")
    elif pythons:
        raise Refused(f"{contents.label} holds {len(pythons)} Python files and none is named after {pattern}: "
                      f"{_listed(pythons)}; name the one to grade after {pattern}, or hand in only it")
    else:
        return _through_nested(contents, assignment, keep, depth, notes)
    others = [entry.name for entry in pythons if entry is not chosen and entry.suffix == ".py"]
    if others:
        notes.append(f"also came, not graded: {', '.join(others)} (only {chosen.basename} is graded, and it cannot "
                     "import them)")
    return _read_chosen(contents, chosen, keep, notes)


def _through_nested(contents: Contents, assignment: Assignment, keep: Path | None, depth: int,
                    notes: list[str]) -> _Chosen:
    zips = [entry for entry in contents.entries if entry.suffix == ".zip"]
    if len(zips) != 1 or depth >= MAX_NESTING:
        held = f"it holds: {_listed(contents.entries)}" if contents.entries else "it holds no files at all"
        deeper = "; a zip inside a zip inside it is not read" if zips and depth >= MAX_NESTING else ""
        raise Refused(f"{contents.label} holds no Python file ({held}){deeper}")
    inner_zip = zips[0]
    with contents.nested(inner_zip) as inner:
        found = _choose(inner, assignment, keep / inner_zip.name if keep else None, depth + 1)
    companions = (*_keep(contents, [entry for entry in contents.entries if entry is not inner_zip], keep),
                  *(Companion(f"{inner_zip.name}/{companion.name}", companion.size, companion.kept)
                    for companion in found.companions))
    return _Chosen(found.source, found.source_name, f"{inner_zip.name}/{found.member}", found.origin, companions,
                   (*notes, f"{contents.label} holds no Python file but one zip, {inner_zip.name}; it was read "
                             "in its place", *found.notes))


def _read_chosen(contents: Contents, chosen: Entry, keep: Path | None, notes: list[str]) -> _Chosen:
    inside = f"{chosen.name} in {contents.label}"
    if chosen.suffix == ".ipynb":
        try:
            notebook = notebooks.parse(contents.read(chosen, notebooks.NOTEBOOK_BYTES))
        except Refused as refused:
            raise Refused(f"{inside}: {refused.reason}") from None
        text, origin, notes = notebook.source, Origin(notebook.spans, chosen.basename), [*notes, *notebook.notes]
    else:
        text, residue = notebooks.residue(decode_python(contents.read(chosen, SOURCE_BYTES), inside))
        origin, notes = Origin((), chosen.basename), [*notes, *residue]
    companions = _keep(contents, [entry for entry in contents.entries if entry is not chosen], keep)
    return _Chosen(text, names.as_python(chosen.basename), chosen.name, origin, companions, tuple(notes))


def _keep(contents: Contents, entries: list[Entry], keep: Path | None) -> tuple[Companion, ...]:
    if keep is None:
        return tuple(Companion(entry.name, entry.size) for entry in entries)
    root = keep.resolve()
    kept = []
    for entry in entries:
        target = root.joinpath(*entry.name.split("/"))
        if not target.resolve().is_relative_to(root):  # names are checked when listed; this is the last word
            raise Refused(f"{entry.name} in {contents.label} would be kept outside its folder")
        kept.append(Companion(entry.name, contents.copy(entry, target), target))
    return tuple(kept)


def _listed(entries: list[Entry] | tuple[Entry, ...]) -> str:
    shown = ", ".join(entry.name for entry in entries[:_LISTED])
    return shown + (f" and {len(entries) - _LISTED} more" if len(entries) > _LISTED else "")
