"""The grader's own source as a folder pip installs: what a student release
and the Gradescope bundle ship (``grader-source/``).

From a checkout (an editable install, a run from the tree) the project's
``pyproject.toml`` goes along as it is. An installed grader (a wheel, pipx)
has no ``pyproject.toml`` beside it: its build file is written from the
installed distribution's metadata, so a release published from it installs
the same package with the same dependencies and extras.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import importlib.metadata

DISTRIBUTION = "grade"
STUDENT_EXTRA = "student"
"""The extra that holds the course libraries submissions may import."""
STUDENT_MODULES = ("numpy", "scipy", "matplotlib", "sklearn", "pandas", "tqdm")
"""What student code may import besides the standard library, by import name
(numpy, which the grader needs itself, and the ``student`` extra)."""

_EXTRA = re.compile(r"""^\(?\s*extra\s*==\s*["']([\w.-]+)["']\s*\)?$""")


def copy_source(folder: Path) -> None:
    """Write the grader package and its build file into ``folder``."""
    package = Path(__file__).resolve().parent
    shutil.copytree(package, folder / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    project = package.parent / "pyproject.toml"
    if project.is_file():
        shutil.copyfile(project, folder / "pyproject.toml")
    else:
        (folder / "pyproject.toml").write_text(pyproject_from_metadata(), encoding="utf-8")
    (folder / "README.md").write_text("# grade\n\nThe grader: `pip install .`, then `grade submit FILE`.\n",
                                      encoding="utf-8")


def install_argument(folder: str) -> str:
    """What to give ``pip install`` for the source in ``folder`` with the
    libraries student code may import, quoted for every usual shell."""
    return f'"{folder}[{STUDENT_EXTRA}]"'


def pyproject_from_metadata() -> str:
    """A ``pyproject.toml`` that builds the installed distribution again."""
    meta = _installed()
    required: list[str] = []
    extras: dict[str, list[str]] = {}
    for line in meta.metadata.get_all("Requires-Dist") or []:
        requirement, extra = split_extra(line)
        (extras.setdefault(extra, []) if extra else required).append(requirement)
    scripts = {point.name: point.value for point in meta.entry_points if point.group == "console_scripts"}
    lines = [
        "[build-system]", 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', "",
        "[project]", f"name = {json.dumps(DISTRIBUTION)}", f"version = {json.dumps(meta.version)}",
        f"description = {json.dumps(_field(meta, 'Summary') or '')}",
        f"requires-python = {json.dumps(_field(meta, 'Requires-Python') or '>=3.10')}",
        f"dependencies = {json.dumps(required)}", "",
        "[project.optional-dependencies]", *(f"{name} = {json.dumps(items)}" for name, items in extras.items()), "",
        "[project.scripts]", *(f"{name} = {json.dumps(value)}" for name, value in scripts.items()), "",
        "[tool.setuptools.packages.find]", 'include = ["grader*"]', "",
        "[tool.setuptools.package-data]", 'grader = ["py.typed"]', "",
    ]
    return "\n".join(lines)


def requirements(*extras: str) -> list[str]:
    """The installed grader's own requirements and those of ``extras``, as
    ``Requires-Dist`` says them (markers kept): what a bundle's
    requirements.txt lists."""
    meta = _installed()
    found = []
    for line in meta.metadata.get_all("Requires-Dist") or []:
        requirement, extra = split_extra(line)
        if extra is None or extra in extras:
            found.append(requirement)
    return found


def _installed() -> importlib.metadata.Distribution:
    import importlib.metadata  # 20 ms (the email package): only the commands that build a release need it

    return importlib.metadata.distribution(DISTRIBUTION)


def _field(meta: importlib.metadata.Distribution, name: str) -> str | None:
    found = meta.metadata.get_all(name)
    return str(found[0]) if found else None


def split_extra(line: str) -> tuple[str, str | None]:
    """A ``Requires-Dist`` line as (requirement without the extra's marker,
    the extra it belongs to or None): ``scipy; extra == "student"`` gives
    (``scipy``, ``student``)."""
    requirement, _, marker = line.partition(";")
    clauses = [clause.strip() for clause in re.split(r"\s+and\s+", marker.strip())] if marker.strip() else []
    extra = next((found.group(1) for clause in clauses if (found := _EXTRA.match(clause))), None)
    if extra is None:
        return line.strip(), None
    rest = " and ".join(clause for clause in clauses if not _EXTRA.match(clause))
    return (f"{requirement.strip()}; {rest}" if rest else requirement.strip()), extra


def installed_student_modules() -> tuple[str, ...]:
    """The course libraries this grader's environment holds."""
    import importlib.util

    return tuple(name for name in STUDENT_MODULES if importlib.util.find_spec(name) is not None)
