"""How hw2_affine's checks build their cases and judge the answers: shared by
the public checks (the example point) and the hidden ones (random instances).

Vectors go to the student's functions as (k, 1) columns or (k,) arrays,
whichever their code takes (``grader.checks.cases``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.cases import Case, Verdict, VectorLayout, run_case, stops_grading, vec
from grader.checks.diagnostics import call_failed
from grader.checks.numeric import compare
from grader.checks.parts import Part, compare_parts
from grader.context import CheckContext
from grader.rubric import Outcome

Layers = list[tuple[np.ndarray, np.ndarray]]


class Example:
    """The handout's example point and its published answers (``public_checks.toml``)."""

    def __init__(self, ctx: CheckContext) -> None:
        self.answers = {key: np.array(value, dtype=float) for key, value in ctx.public["example"].items()}
        self.x = self.answers["x"].ravel()

    def __getitem__(self, key: str) -> np.ndarray:
        return self.answers[key]

    def layers(self) -> Layers:
        return [(self["W1"], self["b1"].ravel()), (self["W2"], self["b2"].ravel())]


def layers_in(L: Layers, layout: VectorLayout) -> Layers:
    return [(W, vec(b, layout)) for W, b in L]


def random_composition(rng: np.random.Generator, depth: int) -> tuple[Layers, np.ndarray]:
    """``depth`` affine layers of random widths ending in a scalar, and an input."""
    widths = [int(rng.integers(1, 6))] + [int(rng.integers(1, 7)) for _ in range(depth - 1)] + [1]
    layers = [(rng.normal(size=(widths[i + 1], widths[i])).round(3), rng.normal(size=widths[i + 1]).round(3))
              for i in range(depth)]
    return layers, rng.normal(size=widths[0]).round(3)


def one(got: object, expected: np.ndarray, what: str) -> Verdict:
    found = compare(got, expected)
    return Verdict(1.0 if found.ok else 0.0, f"{what} {found.message}",
                   mistakes=(found.mistake,) if found.mistake else ())


def activations(got: object, expected: list[np.ndarray]) -> Verdict:
    if not isinstance(got, (list, tuple)):
        return Verdict(0.0, f"returned a {type(got).__name__}; expected a list of the {len(expected)} activations "
                            "[z1, ..., zn]", hint="return every activation, not only the last one",
                       mistakes=("last-only",))
    if len(got) != len(expected):
        return Verdict(0.0, f"returned {len(got)} activations for {len(expected)} layers",
                       hint="return one activation per layer, in order z1, ..., zn", mistakes=("count",))
    found = compare_parts(got, [Part(f"z{i}", want) for i, want in enumerate(expected, start=1)])
    return Verdict(found.fraction, found.message() or "ok", mistakes=found.mistakes)


# -- cases ----------------------------------------------------------------------
def affine_case(label: str, W: np.ndarray, b: np.ndarray, x: np.ndarray, want: np.ndarray) -> Case:
    return Case(label, lambda layout: (W, vec(b, layout), vec(x, layout)),
                lambda got, layout: one(got, want, "W x + b"))


def composition_case(label: str, L: Layers, x: np.ndarray, want: list[np.ndarray]) -> Case:
    return Case(label, lambda layout: (layers_in(L, layout), vec(x, layout)),
                lambda got, layout: activations(got, want))


def pair_case(label: str, args: tuple[np.ndarray, ...], want: tuple[np.ndarray, np.ndarray],
              names: tuple[str, str], hint: str) -> Case:
    def judge(got: object, layout: VectorLayout) -> Verdict:
        found = compare_parts(got, [Part(names[0], want[0]), Part(names[1], want[1])],
                              what=f"expected the pair ({names[0]}, {names[1]})")
        return Verdict(found.fraction, found.message() or "ok", hint if found.wrong else None,
                       mistakes=found.mistakes)

    return Case(label, lambda layout: tuple(vec(a, layout) for a in args), judge)


def part5_case(z1: np.ndarray, want: tuple[np.ndarray, np.ndarray]) -> Case:
    return pair_case(f"z1 = {np.round(z1, 3).tolist()}", (z1,), want, ("dz2/dvec(W2)", "dz2/db2"),
                     "z2 = W2 z1 + b2 is linear in W2: its derivative is z1^T")


def part7_case(x: np.ndarray, want: tuple[np.ndarray, np.ndarray]) -> Case:
    return pair_case(f"x = {np.round(x, 3).tolist()}", (x,), want, ("d(f o g)/db1", "grad_W1"),
                     "if dy/dz = p^T then grad_W y = p x^T: here p = W2^T, so grad_W1 = W2^T x^T (3 x 2)")


def fog(ctx: CheckContext, points: list[np.ndarray], what: str, expected: list[np.ndarray]) -> Outcome:
    """(f o g)(x) at each point, computed with the student's own Composition."""
    passed = 0
    messages = []
    for x, want in zip(points, expected):
        case = Case(f"x = {np.round(x, 3).tolist()}", lambda layout, x=x: (vec(x, layout),),
                    lambda got, layout, want=want: one(got, want, "(f o g)(x)"))
        verdict, result = run_case(ctx, "f_of_g", case, spy=("Composition",))
        if not result.ok:
            return call_failed(result, signature="f_of_g(x)")
        used = any(event.function == "Composition" and event.event == "spy_call" for event in result.events)
        if not used:
            return Outcome(0.0, "f_of_g does not call Composition", hint="compute (f o g)(x) as the last "
                           "activation returned by Composition([(W1, b1), (W2, b2)], x)", mistakes=("no-composition",))
        if verdict.fraction >= 1:
            passed += 1
        else:
            messages.append(f"{case.label}: {verdict.message}")
    if not messages:
        return Outcome(1.0, f"(f o g)(x) correct at {what}, computed with Composition")
    return Outcome(passed / len(points), "; ".join(messages[:3]))


TRANSPOSED_HINT = ("{names} transposed: the gradient of the scalar z_n with respect to W_i has W_i's shape: "
                   "grad_W_i = (dz_n/dz_i)^T z_(i-1)^T")
BACKWARD_HINT = "use the backward recursion dz_n/dz_(i-1) = dz_n/dz_i W_i"


def gradients_case(label: str, L: Layers, x: np.ndarray, z: list[np.ndarray],
                   want: list[tuple[np.ndarray, np.ndarray]]) -> Case:
    """ComputeGradients(L, x, z) against the gradients ``want`` of every layer."""
    def args(layout: VectorLayout) -> tuple[object, ...]:
        return layers_in(L, layout), vec(x, layout), [vec(zi, layout) for zi in z]

    def judge(got: Any, layout: VectorLayout) -> Verdict:
        if got is None:
            return Verdict(0.0, "returned None (a missing `return` statement?)", mistakes=("none",))
        if not isinstance(got, (list, tuple)) or len(got) != len(L):
            size = f"{len(got)} items" if isinstance(got, (list, tuple)) else f"a {type(got).__name__}"
            return Verdict(0.0, f"expected a list of {len(L)} (grad_W, grad_b) pairs, got {size}")
        right, wrong, transposed, mistakes = 0, [], [], []
        for i, (pair, (gW, gb)) in enumerate(zip(got, want), start=1):
            parts = [Part(f"grad_W{i}", gW, {"allow_row_vector": False}), Part(f"grad_b{i}", gb)]
            found = compare_parts(pair, parts, what=f"layer {i}: expected a pair (grad_W{i}, grad_b{i})")
            right += found.right
            wrong += [found.problem] if found.problem else [f"{name} {c.message}" for name, c in found.wrong]
            transposed += found.wrong_named("transposed")
            mistakes += found.mistakes
        hint = TRANSPOSED_HINT.format(names=", ".join(transposed)) if transposed else BACKWARD_HINT
        return Verdict(right / (2 * len(L)), "; ".join(wrong[:3]) or "ok", hint, mistakes=tuple(mistakes))

    return Case(label, args, judge)


def depths(found: list[int]) -> str:
    return ("depth " if len(found) == 1 else "depths ") + ", ".join(map(str, found))


def gradients_by_depth(ctx: CheckContext, cases: list[tuple[int, Case]]) -> Outcome:
    """ComputeGradients over cases of several depths, saying which depths fail."""
    total = 0.0
    messages = []
    hint, named = None, False
    raised = False
    mistakes: list[str] = []
    by_depth: dict[int, list[float]] = {}
    for depth, case in cases:
        verdict, result = run_case(ctx, "ComputeGradients", case)
        if stops_grading(result):
            return call_failed(result, signature="ComputeGradients(L, x, z)")
        by_depth.setdefault(depth, []).append(verdict.fraction)
        total += verdict.fraction
        raised = raised or verdict.raised
        mistakes += verdict.mistakes
        if verdict.fraction < 1 and len(messages) < 2:
            messages.append(f"{case.label}: {verdict.message}")
            if hint is None:
                hint, named = verdict.hint, "transposed" in verdict.mistakes
    failed = [depth for depth, fractions in by_depth.items() if min(fractions) < 1]
    passed = [depth for depth in by_depth if depth not in failed]
    if not failed:
        return Outcome(1.0, f"ComputeGradients correct on all {len(cases)} hidden compositions (2 to 6 layers)")
    summary = f"wrong at {depths(failed)}" + (f"; right at {depths(passed)}" if passed else "")
    return Outcome(total / len(cases), f"ComputeGradients {summary}. " + " ".join(messages),
                   hint=hint if named and hint else
                   "ComputeGradients must work for any number of layers n >= 2: loop backwards over the layers",
                   status="error" if raised and total == 0 else None, mistakes=tuple(dict.fromkeys(mistakes)))
