"""Small changes to the child's interpreter that let real homework files run
headless and unattended: ``matplotlib.use(...)`` keeps the non-interactive
backend, ``exit``/``quit`` exist without the site module, reading the
keyboard ends at once instead of hanging, and ``import wandb`` gets the
grader's offline stand-in (``standins/wandb.py``), whose records go back to
the grader with each call.

Standard library only; loaded by the child harness by path.
"""

from __future__ import annotations

import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import io
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


def install(submission: str) -> None:
    """Everything above, before the submission is imported."""
    restore_site_builtins()
    sys.meta_path.insert(0, HeadlessMatplotlib())  # type: ignore[arg-type]
    install_standins()
    sys.argv = [submission]
    sys.stdin = io.StringIO("")
    builtins.input = no_input  # type: ignore[assignment]
