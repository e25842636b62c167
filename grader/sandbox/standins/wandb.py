"""An offline stand-in for Weights & Biases (``wandb``), offered to every child.

Submissions that track their experiments call ``wandb.init``, read
``wandb.config``, ``wandb.log`` every epoch and ``wandb.finish``. While
grading there is no network, no login and no account, and nothing may be
written outside the working folder; this module takes those calls, keeps
every run's project, name, config and logged rows in memory, and hands them
to the grader as plain values after each call (``take_records``). Sweeps
(``wandb.sweep`` / ``wandb.agent``) run their grid or a seeded random sample.
Anything else of wandb's API is accepted and does nothing, so ``import
wandb`` never breaks a submission.

Standard library only; loaded in the child by path, as the module ``wandb``.
"""

from __future__ import annotations

import itertools
import random as _random
from typing import Any, Callable, Iterator

STANDIN = True
MAX_ROWS = 20_000
MAX_KEYS = 64
_runs: list[dict[str, Any]] = []
_sweeps: dict[str, dict[str, Any]] = {}
_pending: list[dict[str, Any]] = []
_rows = [0]


class Error(Exception):
    """What wandb raises for misuse (e.g. ``log`` before ``init``)."""


def _plain(value: Any, depth: int = 0) -> Any:
    """A loggable value as plain data: numbers as floats, the rest by type."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value if not isinstance(value, str) else value[:200]
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value
    size = getattr(value, "size", None)
    if size == 1 and hasattr(value, "item"):
        try:
            return float(value.item())
        except (TypeError, ValueError):
            return str(type(value).__name__)
    if isinstance(value, dict) and depth < 2:
        return {str(k)[:100]: _plain(v, depth + 1) for k, v in list(value.items())[:MAX_KEYS]}
    if isinstance(value, (list, tuple)) and depth < 2 and len(value) <= 64:
        return [_plain(v, depth + 1) for v in value]
    return f"<{type(value).__name__}>"


class Config:
    """``wandb.config``: a dict readable by key and by attribute."""

    def __init__(self, values: dict[str, Any] | None = None, reads: list[str] | None = None) -> None:
        object.__setattr__(self, "_values", dict(values or {}))
        object.__setattr__(self, "_reads", reads if reads is not None else [])

    def _read(self, key: Any) -> None:
        reads = object.__getattribute__(self, "_reads")
        if isinstance(key, str) and key not in reads and len(reads) < MAX_KEYS:
            reads.append(key)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            self._read(name)
            return values[name]
        raise AttributeError(f"wandb.config has no key {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value

    def __getitem__(self, key: str) -> Any:
        self._read(key)
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._values[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Config({self._values!r})"

    def get(self, key: str, default: Any = None) -> Any:
        self._read(key)
        return self._values.get(key, default)

    def keys(self) -> Any:
        return self._values.keys()

    def items(self) -> Any:
        for key in self._values:
            self._read(key)
        return self._values.items()

    def values(self) -> Any:
        return self._values.values()

    def update(self, values: Any = None, allow_val_change: bool = True, **more: Any) -> None:
        if values is not None:
            self._values.update(dict(values.items()) if hasattr(values, "items") else dict(values))
        self._values.update(more)

    def setdefaults(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            self._values.setdefault(key, value)

    def as_dict(self) -> dict[str, Any]:
        return dict(object.__getattribute__(self, "_values"))


class Run:
    """One run: what ``wandb.init`` returns."""

    def __init__(self, record: dict[str, Any], config: Config) -> None:
        self._record = record
        self.config = config
        self.summary: dict[str, Any] = {}
        self.name = record["name"]
        self.id = record["id"]
        self.project = record["project"]
        self.entity = record.get("entity")
        self.url = ""
        self.dir = "."

    def log(self, data: Any, step: Any = None, commit: Any = None, **_: Any) -> None:
        if self._record["finished"]:
            raise Error("this run has finished; call wandb.init() for a new one")
        if not isinstance(data, dict):
            raise TypeError("wandb.log expects a dict of values")
        self._record["config"] = _plain(self.config.as_dict())
        if _rows[0] >= MAX_ROWS:
            self._record["dropped"] += 1
            return
        _rows[0] += 1
        row = {str(k)[:100]: _plain(v) for k, v in list(data.items())[:MAX_KEYS]}
        if step is not None:
            row["_step"] = _plain(step)
        self._record["rows"].append(row)
        self.summary.update({k: v for k, v in row.items() if not k.startswith("_")})

    def finish(self, exit_code: Any = None, quiet: Any = None, closed_by: str = "wandb.finish") -> None:
        self._record["config"] = _plain(self.config.as_dict())
        if not self._record["finished"]:
            self._record["closed_by"] = closed_by
        self._record["finished"] = True
        global run
        if run is self:
            run = None

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish(closed_by="the end of a with block")

    def __getattr__(self, name: str) -> Any:
        return _nothing


def _new_id() -> str:
    return f"grader{len(_runs) + 1:04d}"


def init(project: Any = None, entity: Any = None, config: Any = None, name: Any = None, reinit: Any = None,
         implicit: bool = False, **kwargs: Any) -> Run:
    """Start a run (recorded: project, name, config, options)."""
    global run
    previous = run
    if previous is not None and not previous._record["finished"]:
        previous.finish(closed_by="the next wandb.init")
    values = dict(config.items()) if hasattr(config, "items") else ({} if config is None else {"value": config})
    if _pending:
        values.update(_pending[-1])  # a sweep's parameters override the defaults, as in wandb
    record = {"project": None if project is None else str(project)[:200], "entity": _plain(entity),
              "name": None if name is None else str(name)[:200], "id": _new_id(), "reinit": _plain(reinit),
              "config": {}, "read": [], "rows": [], "finished": False, "closed_by": None, "dropped": 0,
              "options": sorted(str(k) for k in kwargs)[:20], "sweep": bool(_pending), "implicit": implicit}
    _runs.append(record)
    found = Run(record, Config(values, record["read"]))
    record["config"] = _plain(found.config.as_dict())
    run = found
    globals()["config"] = found.config
    return found


def log(data: Any, step: Any = None, commit: Any = None, **kwargs: Any) -> None:
    """Log a row to the current run. Without one (wandb itself would raise),
    a run is opened and marked ``implicit``: grading goes on, and the
    record shows that ``wandb.init`` was missing."""
    if run is None:
        init(implicit=True)
    assert run is not None
    run.log(data, step=step, commit=commit)


def finish(exit_code: Any = None, quiet: Any = None) -> None:
    if run is not None:
        run.finish()


def login(*args: Any, **kwargs: Any) -> bool:
    return True


def sweep(sweep: Any, project: Any = None, entity: Any = None, **kwargs: Any) -> str:
    """Register a sweep; ``agent`` runs it."""
    sweep_id = f"sweep{len(_sweeps) + 1}"
    _sweeps[sweep_id] = dict(sweep) if hasattr(sweep, "items") else {}
    return sweep_id


def _settings(spec: dict[str, Any], count: int | None) -> list[dict[str, Any]]:
    parameters = spec.get("parameters") or {}
    choices: dict[str, list[Any]] = {}
    for key, options in parameters.items():
        options = options if isinstance(options, dict) else {"value": options}
        if "values" in options:
            choices[key] = list(options["values"])
        elif "value" in options:
            choices[key] = [options["value"]]
        elif "min" in options and "max" in options:
            low, high = options["min"], options["max"]
            rng = _random.Random(len(choices))
            steps = max(2, count or 5)
            choices[key] = sorted({rng.uniform(low, high) if isinstance(low, float) else rng.randint(low, high)
                                   for _ in range(steps)})
    grid = [dict(zip(choices, combo)) for combo in itertools.product(*choices.values())]
    if spec.get("method") in ("random", "bayes"):
        _random.Random(0).shuffle(grid)
    return grid[:count] if count else grid


def agent(sweep_id: str, function: Callable[[], Any] | None = None, count: int | None = None, **kwargs: Any) -> None:
    """Run ``function`` once per setting of the sweep (its grid, or a seeded
    random order of it), each inside its own run."""
    spec = _sweeps.get(sweep_id, {})
    for setting in _settings(spec, count):
        _pending.append(setting)
        try:
            if function is not None:
                function()
        finally:
            _pending.pop()
            if run is not None:
                run.finish(closed_by="wandb.agent")


class _Nothing:
    """Every other part of wandb's API: callable, indexable, does nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> _Nothing:
        return self

    def __getattr__(self, name: str) -> _Nothing:
        return self

    def __getitem__(self, key: Any) -> _Nothing:
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __bool__(self) -> bool:
        return False


_nothing = _Nothing()
run: Run | None = None
config = Config()
summary: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return _nothing


def take_records() -> list[dict[str, Any]]:
    """The runs recorded since the last call, as plain values (and forget them)."""
    if run is not None:
        run._record["config"] = _plain(run.config.as_dict())
    found = [dict(record, rows=list(record["rows"]), read=list(record["read"])) for record in _runs]
    _runs.clear()
    _rows[0] = 0
    return found
