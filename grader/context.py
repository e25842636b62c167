"""What a check is given: the submission's session, its per-submission state,
the profile's typed settings, seeded generators, datasets and a place for notes.

One ``CheckContext`` exists per graded submission. Whatever checks learn about
the submission is computed on demand and kept: its facts (``ctx.fact(provider)``:
its data, its training run, its search) and the plug-in's ``state`` object of
cached properties (how its functions are called): an item's grade never
depends on which items ran before it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, TypeVar

import numpy as np

from grader.checks.layouts import VectorLayout
from grader.errors import ConfigError
from grader.progress import Message, ProgressEvent, ProgressHandler
from grader.sandbox import ImportResult, StudentSession
from grader.sandbox.session import Signature

if TYPE_CHECKING:
    from grader.assignments import Assignment, Profile
    from grader.datasets import LocalDataset

PUBLIC_SALT = "public"
T = TypeVar("T")


class PluginView(Protocol):
    """What the context asks of the loaded plug-in (a ``grader.plugin.LoadedPlugin``).

    Declared here rather than imported: the plug-in contract names
    ``CheckContext`` (a check takes one), so it sits above the context, and a
    type import back from here would close the circle."""

    @property
    def settings(self) -> Mapping[str, Any]:
        """Profile name -> its validated settings object."""

    @property
    def hidden_seed(self) -> str | None: ...

    def make_state(self, ctx: CheckContext) -> Any: ...

    @property
    def pipeline(self) -> Any:
        """The homework's training pipeline (``grader.training.pipeline.Pipeline``), or None."""


@dataclass
class CheckContext:
    assignment: Assignment
    profile: Profile
    plugin: PluginView
    session: StudentSession
    imported: ImportResult
    data_dir: Path | None = None
    missing_datasets: Mapping[str, str] = field(default_factory=dict)
    """Dataset name -> why it cannot be had here (with the fixing command)."""
    progress: ProgressHandler | None = None
    notes: list[str] = field(default_factory=list)
    """What the grader did that the student should know, in order, without repeats."""
    vector_layouts: dict[str, VectorLayout] = field(default_factory=dict)
    """Function -> the vector layout (``column``/``flat``) that worked for it:
    only the order in which layouts are tried, never a verdict."""
    source: str = ""
    """The submission's text, for checks that read it statically (``ast``,
    ``grader.checks.source``); never executed in the grader's process."""
    figures: dict[str, Any] = field(default_factory=dict)
    """What the HTML report draws, by kind (``search``, ``runs``, ``test``,
    ``gradients``): plain JSON values, carried in the result JSON
    (docs/report.md describes each kind)."""
    _facts: dict[Any, Any] = field(default_factory=dict, repr=False)

    def fact(self, provider: Callable[[CheckContext], T]) -> T:
        """What ``provider(ctx)`` finds about this submission (its data, its
        training run, its search), computed on first use and kept: every item
        that asks gets the same answer, whichever asks first."""
        if provider not in self._facts:
            self._facts[provider] = provider(self)
        return self._facts[provider]

    @cached_property
    def state(self) -> Any:
        """The plug-in's per-submission state, built on first use."""
        return self.plugin.make_state(self)

    @property
    def settings(self) -> Any:
        """The profile's settings, an instance of the plug-in's settings class."""
        return self.plugin.settings[self.profile.name]

    @cached_property
    def public(self) -> Mapping[str, Any]:
        """The assignment's published answers (its ``public_checks`` file)."""
        return self.assignment.public_answers()

    def public_rng(self, name: str) -> np.random.Generator:
        """A generator anyone with the public files can reproduce: for visible checks."""
        return _generator(f"{self.assignment.id}/{name}/{PUBLIC_SALT}")

    def hidden_rng(self, name: str) -> np.random.Generator:
        """A generator salted with the hidden seed: hidden instances are the same
        on every run but cannot be recomputed from the public files."""
        seed = self.plugin.hidden_seed
        if not seed:
            raise ConfigError(f"{self.assignment.id}: a hidden instance was asked for without the hidden half")
        return _generator(f"{self.assignment.id}/{name}/{seed}")

    def defines(self, name: str) -> bool:
        return name in self.imported.functions

    def signature(self, name: str) -> Signature | None:
        """The parameters of a function the submission defines (None: unknown)."""
        return self.imported.functions.get(name)

    def dataset(self, name: str) -> LocalDataset:
        """The cached, verified dataset. Items that declare ``needs = [name]``
        only run when it is available."""
        from grader import datasets

        found = datasets.available(name, data_dir=self.data_dir)
        if found is None:
            raise ConfigError(f"dataset {name} is not available; the rubric item should declare needs = [{name!r}]")
        return found

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def figure(self, kind: str, value: Any) -> None:
        """Keep ``value`` (JSON-able) for the report's figures under ``kind``."""
        self.figures[kind] = value

    def report(self, event: ProgressEvent | str) -> None:
        if self.progress is not None:
            self.progress(Message(event) if isinstance(event, str) else event)


def _generator(text: str) -> np.random.Generator:
    digest = hashlib.sha256(text.encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))
