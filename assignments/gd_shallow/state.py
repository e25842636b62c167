"""What gd_shallow's checks learn about a submission, each computed once, on
first use, the same way whichever item asks first: part 1's trajectories at
the course's rates and its reported minimum; the data, the fixed-setting run,
the recorded search, the chosen network and its test figures; the improved
network."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.numeric import as_array
from grader.checks.search import SearchRecord
from grader.context import CheckContext
from grader.rubric import Outcome

from . import network, quartic, training
from .network import Layer


class GdState:
    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx

    # -- part 1 ---------------------------------------------------------------------------
    def evaluate_at(self, name: str, points: list[float]) -> np.ndarray | Outcome:
        """``name`` at the points: on an array if it takes one, else point by point."""
        session = self.ctx.session
        result = session.call(name, np.array(points))
        array = as_array(result.value)[0] if result.ok else None
        if array is not None and array.size == len(points):
            return array.ravel().astype(np.float64)
        values = []
        for x in points:
            one = session.call(name, x)
            number = as_array(one.value)[0] if one.ok else None
            if number is None or number.size != 1:
                return call_failed(one, signature=f"{name}(x)") if not one.ok else \
                    Outcome(0.0, f"{name}({x:g}) returned {type(one.value).__name__}, not a number")
            values.append(float(number.ravel()[0]))
        self.ctx.note(f"{name} takes one number at a time (not an array); the grader called it point by point.")
        return np.array(values)

    def own_f(self, xs: np.ndarray) -> np.ndarray | None:
        """The student's f at these points (None if it cannot say)."""
        found = self.evaluate_at("f", [float(x) for x in xs])
        return None if isinstance(found, Outcome) else found

    @cached_property
    def course_runs(self) -> dict[float, quartic.Judged]:
        return quartic.course_runs(self)

    @cached_property
    def minimum_report(self) -> tuple[float | None, float | None, float | None] | Outcome:
        public = self.ctx.public["part1"]
        params = self.ctx.signature("find_local_minimum")
        if params is None:
            return Outcome(0.0, "find_local_minimum is not defined",
                           hint='add find_local_minimum() returning {"x": ..., "f": ..., "best_learning_rate": ...}')
        required = sum(1 for p in params if p.positional and not p.has_default)
        args: list[Any] = [float(public["x0"]), tuple(public["learning_rates"]), int(public["iterations"])][:required]
        result = self.ctx.session.call("find_local_minimum", *args)
        if not result.ok:
            return call_failed(result, signature="find_local_minimum(x0=0.0, learning_rates=..., iterations=30)")
        found = quartic.read_report(result.value)
        if all(v is None for v in found):
            return Outcome(0.0, f"find_local_minimum returned {type(result.value).__name__} ({result.value!r:.80}); "
                                'expected {"x": ..., "f": ..., "best_learning_rate": ...}')
        return found

    # -- part 2's functions: how the student's params look -----------------------------------
    @cached_property
    def params_form(self) -> network.ParamsForm:
        """The stub passes params = (W1 (784, H), b1, W2 (H, 10), b2); real files
        also take a dict of them, or W1 as (H, 784) (MATLAB's layout). The form
        is the one under which the student's predict_proba agrees with the
        grader's forward pass on a probe network; else the first it accepts."""
        rng = self.ctx.public_rng("params-form")
        params = network.random_network(rng, 6)
        X, _ = network.random_batch(rng, 5)
        want = np.exp(network.log_probabilities(network.layers_of(params), X))
        accepted = None
        for form in network.PARAMS_FORMS:
            result = self.ctx.session.call("predict_proba", form.pack(params), X)
            got = as_array(result.value)[0] if result.ok else None
            if got is None or got.shape != want.shape:
                continue
            if np.allclose(got, want, rtol=1e-6, atol=1e-9):
                accepted = form
                break
            accepted = accepted or form
        form = accepted or network.PARAMS_FORMS[0]
        if form is not network.PARAMS_FORMS[0]:
            self.ctx.note(f"Your network functions take params as {form.description} (the stub passes a tuple "
                          "(W1 (784, H), b1, W2 (H, 10), b2)); the grader passed them that way and read the "
                          "gradients back in that layout.")
        return form

    # -- parts 2 and 3 ------------------------------------------------------------------------
    @cached_property
    def data(self) -> training.Data:
        return training.load_data(self.ctx)

    @cached_property
    def fixed_run(self) -> training.Run | Outcome:
        return training.run_fixed(self)

    @cached_property
    def search(self) -> SearchRecord:
        return training.run_search(self)

    @cached_property
    def chosen(self) -> Any:
        return training.chosen(self)

    @cached_property
    def test_figures(self) -> training.TestFigures | Outcome:
        return training.chosen_on_test(self)

    @cached_property
    def improved(self) -> tuple[list[Layer], float, str | None] | Outcome:
        return training.run_improved(self)
