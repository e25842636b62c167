"""Small changes to the child's interpreter that let real homework files run
headless and unattended: ``matplotlib.use(...)`` keeps the non-interactive
backend, ``exit``/``quit`` exist without the site module, reading the
keyboard ends at once instead of hanging, ``import wandb`` gets the
grader's offline stand-in (``standins/wandb.py``), whose records go back to
the grader with each call, and the course's data files are found wherever
the student's code looks for them (``CourseData``).

Standard library only; loaded by the child harness by path.
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import io
import os
import re
import sys
import types
from pathlib import Path
from typing import Any

STANDINS = {"wandb": Path(__file__).resolve().parent / "standins" / "wandb.py"}


class HeadlessMatplotlib:
    """Import hook: make ``matplotlib.use(...)`` keep the non-interactive
    backend. Files pick "TkAgg" for their own screens; while grading, nothing
    is shown, and switching would fail the whole import for nothing."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "matplotlib":
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: types.ModuleType) -> None:
            run(module)
            module.use = lambda *args, **kwargs: None  # type: ignore[attr-defined]

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


class _Submodule(importlib.abc.Loader):
    """Loads ``wandb.<anything>`` as a module of no-ops."""

    def create_module(self, spec: Any) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        setattr(module, "__getattr__", getattr(sys.modules[spec.name.split(".")[0]], "__getattr__"))
        setattr(module, "__path__", [])
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class _Compiled(importlib.abc.Loader):
    """Runs a stand-in's code, compiled before the guard went in (the guard
    keeps student code, imports included, out of the grader's folders)."""

    def __init__(self, code: Any) -> None:
        self.code = code

    def exec_module(self, module: types.ModuleType) -> None:
        exec(self.code, module.__dict__)


class StandIns:
    """Import hook: the grader's stand-ins for modules that cannot work while
    grading (``wandb`` needs a network and an account), found before any
    installed package of the same name."""

    def __init__(self) -> None:
        self.code = {name: compile(path.read_text(encoding="utf-8"), str(path), "exec")
                     for name, path in STANDINS.items()}

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        top = name.split(".")[0]
        if top not in STANDINS:
            return None
        if name == top:
            return importlib.util.spec_from_loader(name, _Compiled(self.code[top]), origin=str(STANDINS[top]),
                                                   is_package=True)
        return importlib.machinery.ModuleSpec(name, _Submodule(), is_package=True)


def records() -> dict[str, Any]:
    """What the stand-ins recorded since last asked (e.g. wandb's runs)."""
    found = {}
    for name in STANDINS:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "STANDIN", False):
            taken = module.take_records()
            if taken:
                found[name] = taken
    opened = COURSE_DATA[0].take() if COURSE_DATA else []
    if opened:
        found["course_data"] = opened
    return found


def install_standins() -> None:
    if not any(isinstance(finder, StandIns) for finder in sys.meta_path):
        sys.meta_path.insert(0, StandIns())  # type: ignore[arg-type]


def restore_site_builtins() -> None:
    """The child runs without the site module (it is slow to start); give
    student code the ``exit``/``quit`` it would otherwise have."""
    import _sitebuiltins

    builtins.exit = _sitebuiltins.Quitter("exit", "Ctrl-D (i.e. EOF)")  # type: ignore[attr-defined]
    builtins.quit = _sitebuiltins.Quitter("quit", "Ctrl-D (i.e. EOF)")  # type: ignore[attr-defined]


def no_input(prompt: object = "") -> str:
    raise EOFError("submissions cannot read from the keyboard while being graded")


COURSE_FILE = re.compile(r"[a-z0-9_]+_(train|validation)_(images|labels)\.npy")
"""A course data file's name (``mnist_train_images.npy``): the handed-over files that may be read by name."""


class TestSetWithheld(PermissionError):
    """What reading the course's test file raises: it is the grader's alone
    (a refusal, as reading the grader's own copy of it is)."""


class CourseData:
    """Files are opened by the course's names from wherever the student kept
    them (``data/...``, ``/Users/jsmith/Downloads/...``, ``C:\\...``, a later
    course's ``small_mnist_*``): a read of a path that is not there, whose file
    name is a course file the grader handed over, reads that file. Only the
    handed-over (allowed) files are ever the target, the audit hook still
    checks the open, and the test file's name gets ``TestSetWithheld``."""

    def __init__(self, allow: list[str]) -> None:
        self.files = {os.path.basename(path): path for path in allow
                      if COURSE_FILE.fullmatch(os.path.basename(path))}
        self.isfile = os.path.isfile
        self.found: dict[str, str] = {}
        """Path asked for -> the course file read for it, since last taken (for the grader's note)."""

    def name(self, file: Any) -> str | None:
        """The course file name a path asks for, if any (case and a ``small_`` prefix aside)."""
        if not self.files or not isinstance(file, (str, bytes, os.PathLike)):
            return None
        try:
            text = os.fsdecode(os.fspath(file))
        except (TypeError, ValueError):
            return None
        name = re.split(r"[\\/]", text)[-1].lower().removeprefix("small_")
        if name in self.files or self._withheld(name):
            return None if self.isfile(text) else name  # a file of that name that is there is the student's
        return None

    def _withheld(self, name: str) -> bool:
        found = re.fullmatch(r"(.+)_test_(images|labels)\.npy", name)
        return found is not None and f"{found.group(1)}_train_{found.group(2)}.npy" in self.files

    def target(self, file: Any, mode: Any = "r") -> Any:
        """The file to open instead of ``file`` (``file`` itself when it is no course file)."""
        if not isinstance(mode, str) or set(mode) & set("wax+"):
            return file
        name = self.name(file)
        if name is None:
            return file
        if name not in self.files:
            raise TestSetWithheld(f"the grader does not hand over the test set ({name}): it evaluates your chosen "
                                  f"model on it itself; tune on the training and validation data ({self.example()})")
        if len(self.found) < 20:
            self.found.setdefault(os.fsdecode(os.fspath(file))[:300], name)
        return self.files[name]

    def take(self) -> list[list[str]]:
        found, self.found = [[asked, name] for asked, name in self.found.items()], {}
        return found

    def example(self) -> str:
        """How to load the handed-over data, in the course's words."""
        names = sorted(self.files, key=lambda n: ("validation" in n, "labels" in n))
        return ", ".join(f'np.load("{n}")' for n in names[:2]) or "the data your functions are given"

    def install(self) -> None:
        if not self.files:
            return
        original, isfile, exists = builtins.open, os.path.isfile, os.path.exists

        def opened(file: Any, mode: Any = "r", *args: Any, **kwargs: Any) -> Any:
            return original(self.target(file, mode), mode, *args, **kwargs)

        builtins.open = io.open = opened  # type: ignore[assignment]
        os.path.isfile = lambda path: isfile(path) or self.name(path) in self.files  # type: ignore[assignment]
        os.path.exists = lambda path: exists(path) or self.name(path) in self.files  # type: ignore[assignment]


COURSE_DATA: list[CourseData] = []


def data_example() -> str:
    """How to load the handed-over data (for the note on a refused download)."""
    return COURSE_DATA[0].example() if COURSE_DATA else "the data your functions are given"


def install(submission: str, allow: list[str] | None = None) -> None:
    """Everything above, before the submission is imported."""
    COURSE_DATA[:] = [CourseData(list(allow or ()))]
    COURSE_DATA[0].install()
    restore_site_builtins()
    sys.meta_path.insert(0, HeadlessMatplotlib())  # type: ignore[arg-type]
    install_standins()
    sys.argv = [submission]
    sys.stdin = io.StringIO("")
    builtins.input = no_input  # type: ignore[assignment]
