"""Small changes to the child's interpreter that let real homework files run
headless and unattended: ``matplotlib.use(...)`` keeps the non-interactive
backend, ``exit``/``quit`` exist without the site module, and reading the
keyboard ends at once instead of hanging.

Standard library only; loaded by the child harness by path.
"""

from __future__ import annotations

import builtins
import io
import sys
import types
from typing import Any


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
    sys.argv = [submission]
    sys.stdin = io.StringIO("")
    builtins.input = no_input  # type: ignore[assignment]
