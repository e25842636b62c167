"""Public checks of hw2_affine: every part at the handout's example point,
against the published answers (``public_checks.toml``). They ship with the
assignment, so students can run them; the hidden checks (random instances,
against the reference) live in ``reference/hw2_affine/hidden.py``."""

from __future__ import annotations

import numpy as np

from grader.checks.cases import Case, run_cases, vec
from grader.checks.diagnostics import call_failed
from grader.checks.parts import Part, compare_parts
from grader.context import CheckContext
from grader.plugin import Plugin
from grader.rubric import Outcome

from .affine import Example, affine_case, composition_case, fog, gradients_case, one, part5_case, part7_case


def part1(ctx: CheckContext) -> Outcome:
    result = ctx.session.call("affine_parameters")
    if not result.ok:
        return call_failed(result, signature="affine_parameters() -> (W1, b1, W2, b2)")
    example: Example = ctx.state
    found = compare_parts(result.value, [Part(name, example[name]) for name in ("W1", "b1", "W2", "b2")],
                          what="affine_parameters must return the tuple (W1, b1, W2, b2)")
    if found.problem:
        return Outcome(0.0, found.problem)
    if found.wrong:
        return Outcome(found.fraction, found.message(separator=": "), mistakes=found.mistakes,
                       hint="read g and f off as W x + b: each output is one row of W, the constant is b")
    return Outcome(1.0, "W1, b1, W2, b2 all correct")


def part2_example(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    return run_cases(ctx, "AffineTransformation", [
        affine_case("g(x) at x = [-1, 1]", example["W1"], example["b1"].ravel(), example.x, example["z1"])])


def part3_example(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    return run_cases(ctx, "Composition", [composition_case("f o g at x = [-1, 1]", example.layers(), example.x,
                                                           [example["z1"], example["z2"]])])


def part4_example(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    return fog(ctx, [example.x], "the example point", [example["f_of_g"]])


def part5_example(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    return run_cases(ctx, "part5_derivatives", [part5_case(example["z1"].ravel(),
                                                           (example["dz2_dvecW2"], example["dz2_db2"]))],
                     what="example points")


def part6(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    want = example["dfog_dz1"]  # the same at every point: f o g is affine
    rng = ctx.public_rng("6")
    points = [example.x] + [rng.normal(size=2).round(3) for _ in range(2)]
    cases = [Case(f"x = {np.round(x, 3).tolist()}", lambda layout, x=x: (vec(x, layout),),
                  lambda got, layout: one(got, want, "d(f o g)/dz1"))
             for x in points]
    return run_cases(ctx, "part6_derivative", cases, what="points")


def part7_example(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    return run_cases(ctx, "part7_gradients", [part7_case(example.x, (example["dfog_db1"], example["grad_W1"]))],
                     what="example points")


def part8_example(ctx: CheckContext) -> Outcome:
    example: Example = ctx.state
    expected = [(example["grad_W1"], example["dfog_db1"]), (example["grad_W2"], example["grad_b2"])]
    case = gradients_case("f o g at x = [-1, 1]", example.layers(), example.x, [example["z1"], example["z2"]],
                          expected)
    return run_cases(ctx, "ComputeGradients", [case])


PLUGIN = Plugin(
    checks={"part1": part1, "part2_example": part2_example, "part3_example": part3_example,
            "part4_example": part4_example, "part5_example": part5_example, "part6": part6,
            "part7_example": part7_example, "part8_example": part8_example},
    state=Example,
)
