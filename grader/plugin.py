"""The assignment plug-in contract: what an assignment's folders give the core.

An assignment is one Python package spread over two folders:

* ``assignments/<id>/checks.py`` defines ``PLUGIN = Plugin(...)``: the checks of
  the *visible* rubric items, the per-submission state they share, the typed
  profile settings, what to import in the child before student code, and which
  data files the child may read. It ships to students (``grade publish``), so
  it never imports from ``reference/``.
* ``reference/<id>/hidden.py`` defines ``HIDDEN = Hidden(...)``: the checks of the
  *hidden* items, the secret that salts hidden instances, and optionally a
  state class extending the public one (e.g. with the reference's answers). It
  stays with the course.

Modules of either folder import each other relatively (``from . import
solution``). The core validates the pair against the manifest when it loads
them, before any student code runs: every rubric item names a check defined on
its side (visible -> public, hidden -> hidden), every check is named by an item,
datasets an item needs are declared, and every profile's settings fit the
settings class. See ``docs/adding-an-assignment.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from grader import paths
from grader.errors import ConfigError
from grader.training import BUILTIN_PREFIX

if TYPE_CHECKING:
    from grader.training.pipeline import Pipeline
    from grader.assignments import Assignment, Profile
    from grader.context import CheckContext
    from grader.rubric import Outcome

Check = Callable[["CheckContext"], "Outcome"]
StateFactory = Callable[["CheckContext"], Any]
ChildFiles = Callable[["Profile", Any, Path], Sequence[Path]]
"""``child_files(profile, settings, data_dir)``: data files the child may read."""

PUBLIC_MODULE = "checks"
HIDDEN_MODULE = "hidden"


def check(function: Check) -> Check:
    """Mark ``function`` as a check: the manifest's items name it by its
    function name (``check = "train_fixed"``), which is its only declaration."""
    setattr(function, "__grade_check__", True)
    return function


def checks_in(*modules: types.ModuleType | str) -> dict[str, Check]:
    """The checks (``@check``) the modules define, by name (a module or its
    name: ``checks_in(__name__)`` for the module that says it)."""
    found: dict[str, Check] = {}
    for source in (sys.modules[m] if isinstance(m, str) else m for m in modules):
        for name, value in vars(source).items():
            if callable(value) and getattr(value, "__grade_check__", False) and \
                    getattr(value, "__module__", None) == source.__name__:
                if name in found:
                    raise ConfigError(f"check {name!r} is defined twice ({source.__name__})")
                found[name] = value
    return found


@dataclass(frozen=True)
class NoSettings:
    """Settings of an assignment whose profiles have none."""


def no_state(ctx: CheckContext) -> None:
    """The state of an assignment whose checks share nothing."""
    return None


@dataclass(frozen=True)
class Plugin:
    """The public half (``assignments/<id>/checks.py``: ``PLUGIN``)."""

    checks: Mapping[str, Check]
    """Check name (as the manifest's items name it) -> check(ctx) -> Outcome."""
    state: StateFactory = no_state
    """Builds the per-submission state (``ctx.state``): cached properties
    computed on demand, so no item's grade depends on which items ran."""
    settings: type = NoSettings
    """A dataclass; each profile's ``[profiles.<name>.settings]`` must fit it."""
    preload: tuple[str, ...] = ()
    """Modules imported in the child before the guard goes in (e.g. matplotlib)."""
    child_files: ChildFiles | None = None
    """Default: the training pipeline's split's files."""
    training: Pipeline | None = None
    """A training homework's pipeline: its items may name the core's built-in
    checks (``check = "training.test_accuracy"``, ``grader.training.checks``)."""

    def __post_init__(self) -> None:
        if self.child_files is None and self.training is not None and self.training.split is not None:
            object.__setattr__(self, "child_files", self.training.split.child_files)


@dataclass(frozen=True)
class Hidden:
    """The hidden half (``reference/<id>/hidden.py``: ``HIDDEN``)."""

    checks: Mapping[str, Check]
    hidden_seed: str
    """Salts every hidden instance: without it they cannot be recomputed."""
    state: StateFactory | None = None
    """Replaces the public state factory (typically a subclass of its class)."""


@dataclass(frozen=True)
class LoadedPlugin:
    """Both halves, validated against the manifest: a check's context holds it
    as ``ctx.plugin``, seen through ``grader.context.PluginView``."""

    assignment_id: str
    public: Plugin
    hidden: Hidden | None
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Profile name -> its validated settings object."""

    @property
    def has_hidden(self) -> bool:
        return self.hidden is not None

    @property
    def hidden_seed(self) -> str | None:
        return self.hidden.hidden_seed if self.hidden is not None else None

    @property
    def pipeline(self) -> Pipeline | None:
        return self.public.training

    def check(self, name: str) -> Check:
        if self.hidden is not None and name in self.hidden.checks:
            return self.hidden.checks[name]
        if name.startswith(BUILTIN_PREFIX) and self.public.training is not None:
            from grader.training.checks import BUILTIN

            return BUILTIN[name]
        return self.public.checks[name]

    def make_state(self, ctx: CheckContext) -> Any:
        factory = self.hidden.state if self.hidden is not None and self.hidden.state is not None else self.public.state
        return factory(ctx)


_CACHE: dict[tuple[str, str], LoadedPlugin] = {}


def load(assignment: Assignment, *, hidden: bool = True) -> LoadedPlugin:
    """The assignment's plug-in, validated; loaded once per process and folder.

    ``hidden=False`` (or no ``reference/<id>/``) loads the public half only, as
    on a student's machine."""
    reference = paths.reference_dir() / assignment.id
    with_hidden = hidden and (reference / f"{HIDDEN_MODULE}.py").is_file()
    key = (str(assignment.folder.resolve()), str(reference.resolve()) if with_hidden else "")
    if key not in _CACHE:
        package = _package(assignment.id, assignment.folder, reference if with_hidden else None)
        public = _attribute(package, PUBLIC_MODULE, "PLUGIN", Plugin, assignment.folder)
        found = _attribute(package, HIDDEN_MODULE, "HIDDEN", Hidden, reference) if with_hidden else None
        _CACHE[key] = validate(assignment, public, found)
    return _CACHE[key]


def module(assignment: Assignment, name: str) -> types.ModuleType:
    """One module of an assignment's package (public or hidden folder), e.g.
    for unit tests of its pieces: ``module(hw, "layout")``."""
    load(assignment)
    reference = paths.reference_dir() / assignment.id
    hidden = reference if (reference / f"{HIDDEN_MODULE}.py").is_file() else None
    return importlib.import_module(f"{_package(assignment.id, assignment.folder, hidden).__name__}.{name}")


def _package(assignment_id: str, public: Path, hidden: Path | None) -> types.ModuleType:
    """A package whose modules come from both folders, under a name private to them."""
    digest = hashlib.sha256(f"{public.resolve()}|{hidden.resolve() if hidden else ''}".encode()).hexdigest()[:12]
    name = f"_grade_course_{re.sub(r'[^A-Za-z0-9_]', '_', assignment_id)}_{digest}"
    package = sys.modules.get(name)
    if package is None:
        package = types.ModuleType(name, f"the {assignment_id} assignment's checks")
        package.__path__ = [str(public.resolve())] + ([str(hidden.resolve())] if hidden else [])
        package.__package__ = name
        sys.modules[name] = package
    return package


def _attribute(package: types.ModuleType, module: str, attribute: str, kind: type, folder: Path) -> Any:
    where = folder / f"{module}.py"
    if not where.is_file():
        raise ConfigError(f"{where} is missing: it must define {attribute} = {kind.__name__}(...)")
    try:
        loaded = importlib.import_module(f"{package.__name__}.{module}")
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(f"{where} failed to import: {type(exc).__name__}: {exc}") from exc
    value = getattr(loaded, attribute, None)
    if not isinstance(value, kind):
        raise ConfigError(f"{where} must define {attribute} = {kind.__name__}(...), "
                          f"found {type(value).__name__}")
    return value


def validate(assignment: Assignment, public: Plugin, hidden: Hidden | None) -> LoadedPlugin:
    """Check the plug-in against the manifest; a ``ConfigError`` says what to fix."""
    where = f"assignment {assignment.id}"
    if hidden is not None:
        if not isinstance(hidden.hidden_seed, str) or len(hidden.hidden_seed) < 8:
            raise ConfigError(f"{where}: HIDDEN.hidden_seed must be a secret string of at least 8 characters")
        both = set(public.checks) & set(hidden.checks)
        if both:
            raise ConfigError(f"{where}: checks defined in both halves: {sorted(both)}")
    for item in assignment.items:
        side = public.checks if item.visibility == "visible" else (hidden.checks if hidden else None)
        if item.check.startswith(BUILTIN_PREFIX):
            from grader.training.checks import BUILTIN, NEEDS

            fact = NEEDS.get(item.check)
            why = ("the plug-in declares no training pipeline (PLUGIN.training)" if public.training is None else
                   f"the built-in checks are {sorted(BUILTIN)}" if item.check not in BUILTIN else
                   f"its pipeline declares no {fact} (Pipeline({fact}=...))"
                   if fact and getattr(public.training, fact) is None else None)
            if why:
                raise ConfigError(f"{where}: rubric item {item.id} names the built-in check {item.check!r}, but {why}")
            continue
        if side is None:
            continue  # hidden items are not graded without the hidden half
        if item.check not in side:
            other = hidden.checks if item.visibility == "visible" and hidden else public.checks
            why = (f" (it is defined in the {'hidden' if item.visibility == 'visible' else 'public'} half; "
                   f"a {item.visibility} item's check must be in the "
                   f"{'public checks.py' if item.visibility == 'visible' else 'hidden hidden.py'})"
                   if item.check in other else "")
            raise ConfigError(f"{where}: rubric item {item.id} names check {item.check!r}, which is not defined{why}")
        if not callable(side[item.check]):
            raise ConfigError(f"{where}: check {item.check!r} is not callable")
        unknown = [name for name in item.needs if name not in assignment.datasets]
        if unknown:
            raise ConfigError(f"{where}: rubric item {item.id} needs {unknown}, which the manifest's datasets "
                              f"({list(assignment.datasets)}) do not list")
    named = {item.check for item in assignment.items}
    for half, checks in (("public", public.checks), ("hidden", hidden.checks if hidden else {})):
        unused = sorted(set(checks) - named)
        if unused:
            raise ConfigError(f"{where}: the {half} half defines checks no rubric item names: {unused} "
                              "(a misspelled check name in assignment.toml?)")
    _validate_datasets(assignment)
    for module in public.preload:
        if not isinstance(module, str) or not re.fullmatch(r"[A-Za-z_][\w.]*", module):
            raise ConfigError(f"{where}: preload entry {module!r} is not a module name")
    settings = {name: settings_for(assignment, public.settings, name) for name in assignment.profiles}
    return LoadedPlugin(assignment.id, public, hidden, settings)


def _validate_datasets(assignment: Assignment) -> None:
    from grader.datasets import manifest_names

    known = set(manifest_names())
    unknown = [name for name in assignment.datasets if name not in known]
    if unknown:
        raise ConfigError(f"assignment {assignment.id}: datasets {unknown} have no manifest in datasets/ "
                          f"(known: {sorted(known)})")


def settings_for(assignment: Assignment, kind: type, profile: str) -> Any:
    """A profile's ``settings`` table as an instance of the plug-in's dataclass."""
    raw = dict(assignment.profiles[profile].settings)
    where = f"assignment {assignment.id}, profile {profile}"
    if not dataclasses.is_dataclass(kind):
        raise ConfigError(f"assignment {assignment.id}: PLUGIN.settings must be a dataclass")
    fields = {f.name: f for f in dataclasses.fields(kind)}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown settings {unknown}; known: {sorted(fields)}")
    for name, value in raw.items():
        wanted = fields[name].type if isinstance(fields[name].type, str) else getattr(fields[name].type, "__name__", "")
        if "float" in str(wanted) and isinstance(value, int) and not isinstance(value, bool):
            raw[name] = float(value)
        elif not _fits(raw[name], str(wanted)):
            raise ConfigError(f"{where}: setting {name} = {value!r} should be {wanted}")
    try:
        return kind(**raw)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _fits(value: Any, annotation: str) -> bool:
    checks = {"float": lambda v: isinstance(v, float), "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "bool": lambda v: isinstance(v, bool), "str": lambda v: isinstance(v, str)}
    kinds = [kind for kind in checks if re.search(rf"\b{kind}\b", annotation)]
    return not kinds or any(checks[kind](value) for kind in kinds)
