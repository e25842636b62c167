"""Hidden checks of hw2_affine: every part on random instances drawn with the
hidden seed, against the reference solution, so answers hard-coded for the
example earn only the example's share."""

from __future__ import annotations

import numpy as np

from grader.checks.cases import run_cases
from grader.context import CheckContext
from grader.plugin import Hidden
from grader.rubric import Outcome

from . import solution
from .affine import (affine_case, composition_case, fog, gradients_by_depth, gradients_case, part5_case, part7_case,
                     random_composition)


def _columns(L: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(W, b.reshape(-1, 1)) for W, b in L]


def part2_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.hidden_rng("2.hidden")
    cases = []
    for i in range(5):
        m, k = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        W, b, x = rng.normal(size=(m, k)), rng.normal(size=m), rng.normal(size=k)
        cases.append(affine_case(f"random {m}x{k} map #{i + 1}", W, b, x, solution.AffineTransformation(W, b, x)))
    return run_cases(ctx, "AffineTransformation", cases, what="hidden cases")


def part3_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.hidden_rng("3.hidden")
    cases = []
    for depth in (2, 3, 4, 5, 6):
        L, x = random_composition(rng, depth)
        cases.append(composition_case(f"{depth} layers", L, x, solution.Composition(L, x)))
    return run_cases(ctx, "Composition", cases, what="hidden compositions")


def part4_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.hidden_rng("4.hidden")
    points = [rng.normal(size=2).round(3) for _ in range(3)]
    return fog(ctx, points, "3 hidden points", [solution.f_of_g(x.reshape(-1, 1)) for x in points])


def part5_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.hidden_rng("5.hidden")
    points = [rng.normal(size=3).round(3) for _ in range(3)]
    return run_cases(ctx, "part5_derivatives", [part5_case(z1, solution.part5_derivatives(z1)) for z1 in points],
                     what="hidden points")


def part7_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.hidden_rng("7.hidden")
    points = [rng.normal(size=2).round(3) for _ in range(3)]
    return run_cases(ctx, "part7_gradients", [part7_case(x, solution.part7_gradients(x)) for x in points],
                     what="hidden points")


def part8_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.hidden_rng("8.hidden")
    cases = []
    for depth in (2, 3, 4, 5, 6):
        for _ in range(2):
            L, x = random_composition(rng, depth)
            z = solution.Composition(_columns(L), x.reshape(-1, 1))
            want = solution.ComputeGradients(_columns(L), x, z)
            cases.append((depth, gradients_case(f"{depth} layers", L, x, z, want)))
    return gradients_by_depth(ctx, cases)


HIDDEN = Hidden(
    checks={"part2_hidden": part2_hidden, "part3_hidden": part3_hidden, "part4_hidden": part4_hidden,
            "part5_hidden": part5_hidden, "part7_hidden": part7_hidden, "part8_hidden": part8_hidden},
    hidden_seed="affine-7f3c1e9b",
)
