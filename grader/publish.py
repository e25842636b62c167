"""``grade publish``: the student release of an assignment.

A release is a small course folder a student can grade in: ``course.toml``
(so ``grade`` finds it from inside), ``assignments/<id>/`` (the manifest, the
handout, the stub, the published answers and the public checks: the visible
items' plug-in), the dataset manifests the assignment needs, the stub under
the name the file pattern expects, the handout, a README on self-checking and
the grader's own source (``grader-source/``, ``pip install ./grader-source``).
Nothing of ``reference/``.

Before anything is written under its final name, a leak check reads every
text file of the release for the hidden half: lines of the reference's
modules (the solution and its helpers; not the stub's scaffold it repeats,
nor ``hidden.py``'s grading code), the hidden seed, the reference's precise
numbers (answers and expected values), and files named like the reference's.
A release with a leak is refused, with every finding listed.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader import distribution, paths, plugin
from grader.assignments import Assignment
from grader.errors import UsageError

MIN_LINE = 28
"""Shorter source lines (``return W, b``) are too common to prove a leak."""


class LeakError(UsageError):
    """The release would carry something of the hidden half."""


@dataclass(frozen=True)
class Release:
    folder: Path
    zip: Path
    stub: Path
    files: tuple[Path, ...]


def stub_name(assignment: Assignment) -> str:
    """The stub under the name the assignment's first file pattern expects,
    e.g. ``homework6_yourname.py`` for ``homework6_*.py``."""
    pattern = next((p for p in assignment.file_patterns if "*" in p), "")
    if not pattern.endswith("*.py"):
        return assignment.stub
    base = pattern[:-len("*.py")]
    return f"{base}{'' if base.endswith(('_', '-')) else '_'}yourname.py"


def publish(assignment: Assignment, out: Path) -> Release:
    """Build the release in ``out`` (and ``out`` + ``.zip``), or refuse."""
    plugin.load(assignment, hidden=False)  # the public half must stand alone
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder: publish into a new folder")
    # Staged next to its final place, so that moving it there is a rename (a
    # temporary folder on another file system, e.g. a tmpfs /tmp, is not).
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{assignment.id}-", dir=out.parent))
    try:
        _build(assignment, staging)
        findings = leaks(staging, assignment)
        if findings:
            raise LeakError(f"refusing to publish {assignment.id}: the release would leak the hidden half:\n  "
                            + "\n  ".join(findings[:20]) + (f"\n  ... and {len(findings) - 20} more"
                                                             if len(findings) > 20 else ""))
        if out.exists():
            out.rmdir()
        staging.replace(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    archive = out.with_name(f"{out.name}.zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(out.rglob("*")):
            if path.is_file():
                handle.write(path, Path(out.name) / path.relative_to(out))
    files = tuple(sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file()))
    return Release(out, archive, out / stub_name(assignment), files)


def _build(assignment: Assignment, root: Path) -> None:
    (root / paths.COURSE_MARKER).write_text(
        f"# A student release of {assignment.id}: run `grade submit` from here.\nschema_version = 1\n"
        f"assignment = \"{assignment.id}\"\n", encoding="utf-8")
    target = root / "assignments" / assignment.id
    shutil.copytree(assignment.folder, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "datasets").mkdir()
    for name in assignment.datasets:
        shutil.copyfile(paths.dataset_manifests_dir() / f"{name}.toml", root / "datasets" / f"{name}.toml")
    shutil.copyfile(assignment.folder / assignment.stub, root / stub_name(assignment))
    shutil.copyfile(assignment.folder / assignment.handout, root / "handout.md")
    distribution.copy_source(root / "grader-source")
    (root / "README.md").write_text(_readme(assignment), encoding="utf-8")


def _readme(assignment: Assignment) -> str:
    install = f"    pip install {distribution.install_argument('./grader-source')}"
    return f"""# {assignment.title}

Your starting file is `{stub_name(assignment)}`: rename it after yourself (keep the
`{assignment.file_patterns[0]}` form) and fill in every function. The task is in
`handout.md`.

## Checking your work

Install the grader once (Python 3.10 or newer; in a virtual environment if you like), with
the libraries your file may import (numpy, scipy, matplotlib, scikit-learn, pandas, tqdm):

{install}

then, from this folder:

    grade submit {stub_name(assignment)}

You may also hand in and check a notebook (`{stub_name(assignment)[:-3]}.ipynb`) or a zip
holding your file and your PDF: `grade submit` reads the Python inside either.

It imports your file in a sandbox, runs the visible checks (the handout's example and
properties any correct answer has), and says what to fix in the course's terms.
{_quick_line(assignment)}
The course grades with more checks on hidden instances, so passing here is necessary but
not sufficient: write code that is right in general, not for the example.
{"The datasets are downloaded on first use (`grade datasets list` shows them)." if assignment.datasets else ""}
After a check run in a terminal, a small background server of the grader's stays for 15 minutes
so that your next check starts at once; `grade server stop` ends it, and with
`GRADER_SERVER=off` set none is started.
"""


def _quick_line(assignment: Assignment) -> str:
    """The README's line on the quick profile, its duration the one measured in the manifest."""
    quick = assignment.profiles.get("quick")
    if quick is None:
        return ""
    took = f" in {quick.duration}" if quick.duration else ""
    return f"Profiles: `--profile quick` checks a subset of the data{took}."


# -- the leak check ---------------------------------------------------------------------------
def leaks(root: Path, assignment: Assignment) -> list[str]:
    """What of the hidden half the files under ``root`` carry."""
    reference = paths.reference_dir() / assignment.id
    if not reference.is_dir():
        return []
    lines: dict[str, str] = {}
    numbers: dict[str, str] = {}
    # Any file of the reference (data files too) is recognised by its name.
    names = {path.name for path in reference.rglob("*") if path.is_file() and "__pycache__" not in path.parts}
    secrets = []
    # What is public already proves nothing: the stub's scaffold, which the
    # reference repeats (its `__main__` block), and the grader's own code.
    public = [assignment.folder / assignment.stub, *Path(__file__).resolve().parent.rglob("*.py")]
    scaffold = {_normal(line) for path in public for line in path.read_text(encoding="utf-8").splitlines()}
    for source in sorted(reference.rglob("*.py")):
        text = source.read_text(encoding="utf-8")
        for literal in _literals(text):
            numbers.setdefault(literal, source.name)
        if source.name == f"{plugin.HIDDEN_MODULE}.py":
            continue  # the hidden checks' own code is grading logic, not an answer
        for number, line in enumerate(text.splitlines(), start=1):
            key = _normal(line)
            if len(key) >= MIN_LINE and key not in scaffold and not key.startswith(
                    ("import ", "from ", "#", "def ", "class ", '"""')):  # answers are often returned
                lines.setdefault(key, f"{source.name}:{number}")
    loaded = plugin.load(assignment)
    if loaded.hidden_seed:
        secrets.append(loaded.hidden_seed)
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        where = path.relative_to(root)
        # A reference file's name on a public file (the grader's own files
        # excepted: they are public whatever their names) is a copied file.
        if path.name in names and where.parts[0] != "grader-source":
            found.append(f"{where}: a file named like the reference's {path.name}")
        # Every text file, whatever its suffix (a notebook, a .tex handout...).
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for secret in secrets:
            if secret in text:
                found.append(f"{where}: the hidden seed")
        for place, line in _lines(path, text):
            origin = lines.get(_normal(line))
            if origin:
                found.append(f"{where}:{place}: a line of the reference ({origin})")
        for literal in _literals(text):
            if literal in numbers:
                found.append(f"{where}: the reference's number {literal} ({numbers[literal]})")
    return found


def _lines(path: Path, text: str) -> list[tuple[str, str]]:
    """A file's lines with where they are; a notebook's also as its cells show
    them (its JSON quotes and escapes each line)."""
    found = [(str(number), line) for number, line in enumerate(text.splitlines(), start=1)]
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            cells = []
        for index, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
            source = cell.get("source", "") if isinstance(cell, dict) else ""
            source = "".join(source) if isinstance(source, list) else str(source)
            found += [(f"cell {index}", line) for line in source.splitlines()]
    return found


def _normal(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def _literals(text: str) -> set[str]:
    """Numbers precise enough to be answers (5 significant digits or more)."""
    found = set()
    for match in re.finditer(r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?", text):
        digits = re.sub(r"[^0-9]", "", match.group().split("e")[0].split("E")[0]).lstrip("0")
        if len(digits) >= 5:
            found.add(match.group().lstrip("-"))
    return found
