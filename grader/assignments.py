"""Assignments: reading manifests and matching submission files to them.

An assignment lives in ``assignments/<id>/`` with a versioned
``assignment.toml`` (id, title, file patterns, limits, rubric items, manual
items, datasets, profiles), a student stub, a handout, its public checks
(``checks.py``) and the published example answers they compare with. Its
hidden reference solution and checks live in ``reference/<id>/``. The checks
are a plug-in: see ``grader.plugin``.
"""

from __future__ import annotations

import ast
import hashlib
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import paths, toml
from grader.errors import ConfigError, UnknownAssignmentError, UsageError
from grader.rubric import VISIBILITIES, ManualItem, RubricItem
from grader.sandbox.session import Limits

SCHEMA_VERSION = 1
MANIFEST = "assignment.toml"


@dataclass(frozen=True)
class Profile:
    """A way of grading: ``official`` (the course's data and thresholds) or a
    documented quicker variant. ``settings`` is read by the assignment's checks."""

    name: str
    description: str
    settings: dict[str, Any] = field(default_factory=dict)
    limits: Limits | None = None
    seconds: float | None = None
    """How long ``grade submit`` of the reference solution takes on this profile, measured on
    ``measured_on``; every statement of the profile's duration (the result line, ``grade list``, the
    release README) is derived from it, and the docs are tested to agree."""
    measured_on: str = ""

    @property
    def duration(self) -> str:
        """``about 7 s, measured on 2 cores``; empty when the profile was not measured."""
        return f"about {self.seconds:g} s, measured on {self.measured_on}" if self.seconds is not None else ""

    @property
    def summary(self) -> str:
        """The description as a student reads it: with the measured duration."""
        return "; ".join(part for part in (self.description, self.duration) if part)


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    folder: Path
    file_patterns: tuple[str, ...]
    stub: str
    handout: str
    items: tuple[RubricItem, ...]
    manual: tuple[ManualItem, ...]
    datasets: tuple[str, ...]
    limits: Limits
    profiles: dict[str, Profile]
    default_profile: str
    adaptation_penalty: float = 0.0
    """Fraction of an item's points an adaptation costs (instructor's choice)."""
    public_checks: str | None = None
    """The published example answers (a TOML file next to the manifest)."""

    @property
    def points(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def manual_points(self) -> float:
        return sum(item.points for item in self.manual)

    @property
    def reference_folder(self) -> Path:
        return paths.reference_dir() / self.id

    def profile(self, name: str | None) -> Profile:
        key = name or self.default_profile
        if key not in self.profiles:
            raise UsageError(f"assignment {self.id} has no profile {key!r}; its profiles: "
                             + ", ".join(sorted(self.profiles)))
        return self.profiles[key]

    def stub_source(self) -> str | None:
        """The stub's text (None if it cannot be read)."""
        try:
            return (self.folder / self.stub).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def stub_functions(self) -> tuple[str, ...]:
        """The functions the stub defines at top level: the interface students implement."""
        try:
            tree = ast.parse(self.stub_source() or "")
        except (SyntaxError, ValueError):
            return ()
        return tuple(node.name for node in tree.body if isinstance(node, ast.FunctionDef))

    def public_answers(self) -> dict[str, Any]:
        """The tables of the published answers file (empty if there is none)."""
        return toml.read(self.folder / self.public_checks) if self.public_checks else {}

    def matches(self, filename: str) -> bool:
        name = filename.lower()
        return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.file_patterns)


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ConfigError(f"{where}: missing {key!r}")
    value = data[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: {key!r} should be a {kind.__name__}")
    return value


def _limits(raw: dict[str, Any], base: Limits, where: str) -> Limits:
    known = set(Limits.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{where}: unknown limits {sorted(unknown)}")
    values = {key: getattr(base, key) for key in known}
    values.update(raw)
    return Limits(**values)


def _measured(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """A profile's measured duration: ``seconds`` (positive) and the machine, ``measured_on``."""
    if "seconds" not in raw:
        return {}
    seconds = _require(raw, "seconds", float, where)
    if seconds <= 0:
        raise ConfigError(f"{where}: 'seconds' must be positive")
    return {"seconds": seconds, "measured_on": _require(raw, "measured_on", str, where)}


_READ: dict[tuple[str, bytes], Assignment] = {}
"""Manifests already read by this process, by path and content: a batch worker
reads its assignment's once, not once per submission; an edited manifest is
read again."""


def load_manifest(folder: Path) -> Assignment:
    """Read and validate ``folder/assignment.toml``."""
    path = folder / MANIFEST
    try:
        text = path.read_bytes()
    except OSError:
        raise ConfigError(f"{folder} has no {MANIFEST}") from None
    known = (str(path), hashlib.sha256(text).digest())
    if known not in _READ:
        _READ[known] = _validated(folder, path, text)
    assignment = _READ[known]
    if assignment.public_checks is not None and not (folder / assignment.public_checks).is_file():
        raise ConfigError(f"{path}: public_checks names {assignment.public_checks!r}, which is not in {folder}")
    return assignment


def _validated(folder: Path, path: Path, text: bytes) -> Assignment:
    where = str(path)
    try:
        data = toml.loads(text.decode("utf-8"))
    except (toml.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ConfigError(f"{where}: schema_version {version!r} is not supported (this grader reads {SCHEMA_VERSION})")
    limits = _limits(data.get("limits", {}), Limits(), where)
    items = []
    for raw in data.get("items", []):
        item = RubricItem(
            id=str(_require(raw, "id", str, where)), name=_require(raw, "name", str, where),
            points=_require(raw, "points", float, where), check=_require(raw, "check", str, where),
            visibility=raw.get("visibility", "visible"), needs=tuple(raw.get("needs", ())),
        )
        if item.visibility not in VISIBILITIES or item.points < 0:
            raise ConfigError(f"{where}: item {item.id}: bad visibility or points")
        if not all(isinstance(name, str) for name in item.needs):
            raise ConfigError(f"{where}: item {item.id}: needs must list dataset names")
        items.append(item)
    if len({item.id for item in items}) != len(items):
        raise ConfigError(f"{where}: rubric item ids must be unique")
    profiles = {
        name: Profile(name=name, description=raw.get("description", ""), settings=raw.get("settings", {}),
                      limits=_limits(raw.get("limits", {}), limits, where) if "limits" in raw else None,
                      **_measured(raw, f"{where}: profile {name!r}"))
        for name, raw in data.get("profiles", {"official": {"description": "the course's own grading"}}).items()
    }
    assignment = Assignment(
        id=_require(data, "id", str, where), title=_require(data, "title", str, where), folder=folder,
        file_patterns=tuple(_require(data, "file_patterns", list, where)),
        stub=_require(data, "stub", str, where), handout=data.get("handout", "handout.md"),
        items=tuple(items),
        manual=tuple(ManualItem(name=m["name"], points=float(m["points"])) for m in data.get("manual", [])),
        datasets=tuple(data.get("datasets", ())), limits=limits, profiles=profiles,
        default_profile=data.get("default_profile", "official"),
        adaptation_penalty=float(data.get("adaptation_penalty", 0.0)),
        public_checks=data.get("public_checks"),
    )
    if not 0.0 <= assignment.adaptation_penalty <= 1.0:
        raise ConfigError(f"{where}: adaptation_penalty must be between 0 and 1")
    if assignment.id != folder.name:
        raise ConfigError(f"{where}: id {assignment.id!r} differs from its folder name {folder.name!r}")
    if assignment.default_profile not in profiles:
        raise ConfigError(f"{where}: default_profile {assignment.default_profile!r} is not defined")
    return assignment


def all_assignments() -> list[Assignment]:
    root = paths.assignments_dir()
    return [load_manifest(folder) for folder in sorted(root.iterdir()) if (folder / MANIFEST).is_file()]


def get(assignment_id: str) -> Assignment:
    folder = paths.assignments_dir() / assignment_id
    if not re.fullmatch(r"[A-Za-z0-9_\-]+", assignment_id) or not (folder / MANIFEST).is_file():
        known = ", ".join(a.id for a in all_assignments())
        raise UnknownAssignmentError(f"unknown assignment {assignment_id!r}; known: {known}")
    return load_manifest(folder)


def detect(filename: str) -> Assignment:
    """The assignment a submission's file name belongs to."""
    found = [a for a in all_assignments() if a.matches(Path(filename).name)]
    if len(found) == 1:
        return found[0]
    if not found:
        patterns = "; ".join(f"{a.id}: {', '.join(a.file_patterns)}" for a in all_assignments())
        raise UnknownAssignmentError(
            f"cannot tell which assignment {Path(filename).name!r} is for (file names per assignment: {patterns}); "
            "name it after the pattern or pass --assignment ID")
    names = ", ".join(a.id for a in found)
    raise UnknownAssignmentError(f"{Path(filename).name!r} matches several assignments ({names}); pass --assignment ID")


def module_name(filename: str) -> str:
    """A valid module name for a submission file (its stem, cleaned)."""
    stem = re.sub(r"\W", "_", Path(filename).stem) or "submission"
    return stem if not stem[0].isdigit() else f"_{stem}"
