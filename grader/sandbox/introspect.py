"""What the grader learns about a loaded submission, and how calls into it are
made: shared by the child harness and the in-process fake, so both describe
signatures, spy on calls and reset module state the same way.

* ``describe_functions``: every function the module defines, with its
  parameters (name, kind, default) as plain data.
* ``ModuleState``: the module's globals as imported plus what the grader set.
  Every request starts from it: a function that rebinds globals (``global z1``)
  cannot change what a later, independent call sees, so an item's grade does
  not depend on which items ran before it.
* ``make_spy``: wraps a module function so each call inside a request is
  reported live (scalar arguments, data shapes, the module's scalar globals,
  what it returned).

Standard library and numpy only: the harness loads this file by path.
"""

from __future__ import annotations

import inspect
import types
from typing import Any, Callable

MAX_SPY_GLOBALS = 64
SUMMARY_SIZE = 64
_PLAIN_DEFAULTS = (int, float, bool, str, type(None))


def import_submission(path: str, name: str, mode: str, safe_import: types.ModuleType) -> tuple[
        types.ModuleType, list[dict[str, Any]]]:
    """Import the submission file as module ``name``: the whole file
    (``plain``), or only its definitions (``definitions``, top-level script
    code set aside). Returns the module and what was set aside, by line; the
    student's exceptions (SystemExit included) propagate."""
    import sys

    with open(path, "rb") as handle:
        source = handle.read()
    if mode == "plain":
        code = compile(source, path, "exec", dont_inherit=True)
        set_aside: list[dict[str, Any]] = []
    else:
        code, set_aside = safe_import.compile_definitions(source, path)
    module = types.ModuleType(name)
    module.__file__ = path
    failed: list[tuple[int, int, str, str]] = []
    if mode != "plain":
        module.__dict__[safe_import.FAILED] = failed
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    module.__dict__.pop(safe_import.FAILED, None)
    lines = safe_import.source_lines(source) if failed else []
    for line, end_line, exc_type, message in failed:
        set_aside.append({"line": line, "end_line": end_line, "what": f"it raised {exc_type}: {message}",
                          "text": safe_import.shown(lines, line, end_line)})
    set_aside.sort(key=lambda part: part["line"])
    return module, set_aside


def syntax_error_fields(exc: BaseException, path: str) -> dict[str, Any]:
    """For a syntax error in the submission's own text: Python's message
    without the ``(file, line N)`` it appends, the line as written and where
    on it, so the grader can draw the caret under it. Else nothing."""
    if not isinstance(exc, SyntaxError) or exc.filename != path:
        return {}
    line, column, end_column = (value if type(value) is int else None for value in (exc.lineno, exc.offset,
                                                                                   exc.end_offset))
    text = exc.text if isinstance(exc.text, str) else ""
    return {"message": str(exc.msg)[:2000], "line": line, "source_line": text.rstrip("\r\n")[:300] or None,
            "column": column, "end_column": end_column if exc.end_lineno == exc.lineno else None}


def describe_parameter(parameter: inspect.Parameter) -> dict[str, Any]:
    has_default = parameter.default is not parameter.empty
    default = parameter.default if has_default else None
    plain = type(default) in _PLAIN_DEFAULTS and (type(default) is not str or len(default) <= 80)
    try:
        shown = repr(default)[:80] if has_default else None
    except Exception:
        shown = "<unprintable>"
    return {"name": parameter.name, "kind": parameter.kind.name, "default": has_default,
            "default_repr": shown, "default_value": default if (has_default and plain) else None}


def describe_functions(module: types.ModuleType) -> dict[str, Any]:
    """Name -> list of parameter descriptions (None if the signature cannot be
    read), for the callables the module itself defines."""
    functions: dict[str, Any] = {}
    for key, value in list(vars(module).items()):
        if key.startswith("__") or not callable(value):
            continue
        if getattr(value, "__module__", None) != module.__name__:
            continue
        try:
            functions[key] = [describe_parameter(p) for p in inspect.signature(value).parameters.values()]
        except (TypeError, ValueError):
            functions[key] = None
    return functions


class ModuleState:
    """The module's globals as a request should find them.

    The baseline is the module right after import plus the grader's ``set``
    calls. ``restore`` rebinds every global to it (and drops globals created
    since), and gives the small mutable containers among them (a ``cache``
    dict that fCE fills for gradCE, a list of losses) their baseline items
    back, in place, so a function that reads what another left there sees
    nothing left. Other objects mutated in place stay mutated, since copying
    them (a dataset loaded at top level) would cost more than it saves."""

    def __init__(self, module: types.ModuleType) -> None:
        self.module = module
        self.baseline = dict(vars(module))
        self._contents = _containers(self.baseline)

    def restore(self) -> None:
        namespace = vars(self.module)
        namespace.clear()
        namespace.update(self.baseline)
        for container, items in self._contents.values():
            if isinstance(container, list):
                container[:] = items
            else:
                container.clear()
                container.update(items)  # type: ignore[attr-defined]

    def set(self, values: dict[str, Any]) -> None:
        """Change the baseline: later requests all see these values."""
        self.baseline.update(values)
        vars(self.module).update(values)
        self._contents.update(_containers(values))

    def apply(self, values: dict[str, Any]) -> None:
        """Values for the current request only."""
        vars(self.module).update(values)


SMALL_CONTAINER = 10_000
"""Items a global dict, list or set may hold and still be restored between requests."""


def _containers(namespace: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The small dicts, lists and sets among the globals, each with a shallow copy of its items."""
    return {key: (value, value.copy()) for key, value in namespace.items()
            if type(value) in (dict, list, set) and not key.startswith("__") and len(value) <= SMALL_CONTAINER}


def scalar_globals(module: types.ModuleType | None) -> dict[str, Any]:
    """The module's plain scalar settings right now (e.g. a ``LEARNING_RATE``
    that a search sets before each ``train`` call)."""
    found: dict[str, Any] = {}
    for key, value in list(vars(module).items()) if module is not None else ():
        if not key.startswith("_") and type(value) in (int, float, bool, str) and len(found) < MAX_SPY_GLOBALS:
            found[key] = value if type(value) is not str else value[:100]
    return found


def summary(value: Any) -> Any:
    """Hyperparameters pass through; data arrays become a short description,
    and so does a container holding more than ``SUMMARY_SIZE`` things in all
    (a config dict of nested lists is not a hyperparameter)."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.size > SUMMARY_SIZE:
        return {"shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, (list, tuple)) and len(value) > SUMMARY_SIZE:
        return f"{type(value).__name__} of length {len(value)}"
    if isinstance(value, (list, tuple, dict)) and not _small(value, [SUMMARY_SIZE]):
        return f"{type(value).__name__} of {len(value)} items, with more than {SUMMARY_SIZE} values in all"
    return value


def _small(value: Any, left: list[int], depth: int = 0) -> bool:
    """Whether ``value`` holds at most ``left[0]`` things, nested ones included
    (stops counting as soon as it does not)."""
    import numpy as np

    left[0] -= 1
    if left[0] < 0 or depth > 8:
        return False
    if type(value) in (list, tuple):
        return all(_small(item, left, depth + 1) for item in value)
    if type(value) is dict:
        return all(_small(key, left, depth + 1) and _small(item, left, depth + 1) for key, item in value.items())
    if isinstance(value, np.ndarray):
        left[0] -= value.size
        return left[0] >= 0
    return True


Report = Callable[[str, int, dict[str, Any], Any], None]
"""``report(event, index, fields, value)``: ``event`` is ``spy_call``,
``spy_return`` or ``spy_raise``; ``fields`` may hold ``seconds`` and ``error``."""


def make_spy(name: str, original: Callable[..., Any], module: types.ModuleType, report: Report,
             error_info: Callable[[BaseException], dict[str, Any]]) -> Callable[..., Any]:
    """``original`` wrapped so that every call is reported as it happens."""
    import time

    calls = [0]

    def spy(*args: Any, **kwargs: Any) -> Any:
        index = calls[0]
        calls[0] += 1
        described = {"args": [summary(a) for a in args], "kwargs": {k: summary(v) for k, v in kwargs.items()},
                     "globals": scalar_globals(module)}
        report("spy_call", index, {}, described)
        started = time.perf_counter()
        try:
            result = original(*args, **kwargs)
        except BaseException as exc:
            report("spy_raise", index, {"error": error_info(exc), "seconds": time.perf_counter() - started}, None)
            raise
        report("spy_return", index, {"seconds": time.perf_counter() - started}, result)
        return result

    spy.__wrapped__ = original  # type: ignore[attr-defined]
    try:
        spy.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        pass
    return spy


def materialise(value: Any, npy_file_type: type) -> Any:
    """Replace ``NpyFile`` references with read-only memory-mapped arrays."""
    import numpy as np

    if isinstance(value, npy_file_type):
        array = np.load(value.path, mmap_mode="r", allow_pickle=False)  # type: ignore[attr-defined]
        return array.T if value.transpose else array  # type: ignore[attr-defined]
    if isinstance(value, list):
        return [materialise(item, npy_file_type) for item in value]
    if isinstance(value, tuple):
        return tuple(materialise(item, npy_file_type) for item in value)
    if isinstance(value, dict):
        return {key: materialise(item, npy_file_type) for key, item in value.items()}
    return value


def _reporting(report: Callable[[str, str, int, dict[str, Any], Any], None], function: str) -> Report:
    def one(event: str, index: int, fields: dict[str, Any], value: Any) -> None:
        report(event, function, index, fields, value)

    return one


def run_call(module: types.ModuleType, state: ModuleState, request: dict[str, Any],
             report: Callable[[str, str, int, dict[str, Any], Any], None],
             error_info: Callable[[BaseException], dict[str, Any]],
             seed: Callable[[], None], records: Callable[[], dict[str, Any]] = dict) -> tuple[dict[str, Any], Any]:
    """Serve one call request: restore the module, apply the request's globals,
    run the calls it asks for first (``before``), then the call itself with
    the named functions spied. Returns (outcome fields, value); the outcome
    carries what stand-in modules recorded during the request (``records``).

    ``request`` holds ``function``, ``args``, ``kwargs`` (materialised),
    ``spy`` (names), ``globals`` (dict) and ``before`` (list of
    ``{"function", "args", "kwargs"}``)."""
    import time

    state.restore()
    state.apply(request.get("globals") or {})
    records()  # what earlier code left (e.g. an import-time run) is not this call's
    name = request["function"]
    if not callable(vars(module).get(name)):
        return {"ok": False, "error": {"exc_type": "MissingFunction", "message": f"{name} is not defined"}}, None
    before: list[dict[str, Any]] = []
    seed()
    for step in request.get("before") or []:
        target = vars(module).get(step["function"])
        if not callable(target):
            before.append({"ok": False, "error": {"exc_type": "MissingFunction",
                                                  "message": f"{step['function']} is not defined"}})
            continue
        try:
            target(*step.get("args", []), **step.get("kwargs", {}))
            before.append({"ok": True})
        except BaseException as exc:
            before.append({"ok": False, "error": error_info(exc)})
    spies = request.get("spy") or []
    originals = {spy: vars(module)[spy] for spy in spies if callable(vars(module).get(spy))}
    for spy, original in originals.items():
        setattr(module, spy, make_spy(spy, original, module, _reporting(report, spy), error_info))
    started = time.perf_counter()
    try:
        value = vars(module)[name](*request.get("args", []), **request.get("kwargs", {}))
        outcome: dict[str, Any] = {"ok": True}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
        value = None
        outcome = {"ok": False, "error": error_info(exc)}
    finally:
        for spy, original in originals.items():
            setattr(module, spy, original)
    outcome["seconds"] = time.perf_counter() - started
    if before:
        outcome["before"] = before
    recorded = records()
    if recorded:
        outcome["records"] = recorded
    return outcome, value
