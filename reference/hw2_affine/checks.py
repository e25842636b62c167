"""Hidden checks for hw2_affine. Each rubric item names one function here.

Expected values come from the reference solution, computed here in the
grader; student code only ever sees the inputs. Hidden instances come from a
generator seeded with a secret kept in this folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

from grader.checks.cases import Case, Verdict, run_case, run_cases, stops_grading, vec
from grader.checks.diagnostics import call_failed
from grader.checks.numeric import compare
from grader.grading import CheckContext, sibling
from grader.rubric import Outcome

reference = sibling(__file__, "solution")
HIDDEN_SEED = "affine-7f3c1e9b"


def _public_answers() -> dict[str, np.ndarray]:
    """The example point's answers, published with the assignment: the
    visible checks compare with these, the hidden ones with the reference."""
    path = Path(__file__).resolve().parents[2] / "assignments" / "hw2_affine" / "public_checks.toml"
    return {key: np.array(value, dtype=float) for key, value in tomllib.loads(path.read_text())["example"].items()}


PUBLIC = _public_answers()
EXAMPLE_X = PUBLIC["x"].ravel()


def _example_layers() -> list[tuple[np.ndarray, np.ndarray]]:
    return [(PUBLIC["W1"], PUBLIC["b1"].ravel()), (PUBLIC["W2"], PUBLIC["b2"].ravel())]


def _layers(L: list[tuple[np.ndarray, np.ndarray]], layout: str) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(W, vec(b, layout)) for W, b in L]


def _random_composition(rng: np.random.Generator, depth: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """``depth`` affine layers of random widths ending in a scalar, and an input."""
    widths = [int(rng.integers(1, 6))] + [int(rng.integers(1, 7)) for _ in range(depth - 1)] + [1]
    layers = [(rng.normal(size=(widths[i + 1], widths[i])).round(3), rng.normal(size=widths[i + 1]).round(3))
              for i in range(depth)]
    return layers, rng.normal(size=widths[0]).round(3)


def _one(got: object, expected: np.ndarray, what: str) -> Verdict:
    found = compare(got, expected)
    return Verdict(1.0 if found.ok else 0.0, f"{what} {found.message}")


def _activations(got: object, expected: list[np.ndarray]) -> Verdict:
    if not isinstance(got, (list, tuple)):
        return Verdict(0.0, f"returned a {type(got).__name__}; expected a list of the {len(expected)} activations "
                            "[z1, ..., zn]", hint="return every activation, not only the last one")
    if len(got) != len(expected):
        return Verdict(0.0, f"returned {len(got)} activations for {len(expected)} layers",
                       hint="return one activation per layer, in order z1, ..., zn")
    wrong = []
    for i, (item, want) in enumerate(zip(got, expected), start=1):
        found = compare(item, want)
        if not found.ok:
            wrong.append(f"z{i} {found.message}")
    return Verdict((len(expected) - len(wrong)) / len(expected), "; ".join(wrong) or "ok")


# -- part 1 -------------------------------------------------------------------
def part1(ctx: CheckContext) -> Outcome:
    result = ctx.session.call("affine_parameters")
    if not result.ok:
        return call_failed(result, signature="affine_parameters() -> (W1, b1, W2, b2)")
    got = result.value
    if not isinstance(got, (tuple, list)) or len(got) != 4:
        return Outcome(0.0, "affine_parameters must return the tuple (W1, b1, W2, b2)")
    names = ("W1", "b1", "W2", "b2")
    wrong = []
    for name, value, want in zip(names, got, (PUBLIC[name] for name in names)):
        found = compare(value, want)
        if not found.ok:
            wrong.append(f"{name}: {found.message}")
    if wrong:
        return Outcome((4 - len(wrong)) / 4, "; ".join(wrong),
                       hint="read g and f off as W x + b: each output is one row of W, the constant is b")
    return Outcome(1.0, "W1, b1, W2, b2 all correct")


# -- part 2 -------------------------------------------------------------------
def _affine_case(label: str, W: np.ndarray, b: np.ndarray, x: np.ndarray, want: np.ndarray | None = None) -> Case:
    want = W @ x + b if want is None else want
    return Case(label, lambda layout: (W, vec(b, layout), vec(x, layout)),
                lambda got, layout: _one(got, want, "W x + b"))


def part2_example(ctx: CheckContext) -> Outcome:
    return run_cases(ctx, "AffineTransformation", [
        _affine_case("g(x) at x = [-1, 1]", PUBLIC["W1"], PUBLIC["b1"].ravel(), EXAMPLE_X, PUBLIC["z1"])])


def part2_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("2.hidden")
    cases = []
    for i in range(5):
        m, k = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        cases.append(_affine_case(f"random {m}x{k} map #{i + 1}", rng.normal(size=(m, k)), rng.normal(size=m),
                                  rng.normal(size=k)))
    return run_cases(ctx, "AffineTransformation", cases, what="hidden cases")


# -- part 3 -------------------------------------------------------------------
def _composition_case(label: str, L: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray,
                      want: list[np.ndarray] | None = None) -> Case:
    want = reference.Composition(L, x) if want is None else want
    return Case(label, lambda layout: (_layers(L, layout), vec(x, layout)),
                lambda got, layout: _activations(got, want))


def part3_example(ctx: CheckContext) -> Outcome:
    return run_cases(ctx, "Composition", [_composition_case("f o g at x = [-1, 1]", _example_layers(), EXAMPLE_X,
                                                            [PUBLIC["z1"], PUBLIC["z2"]])])


def part3_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("3.hidden")
    cases = []
    for depth in (2, 3, 4, 5, 6):
        L, x = _random_composition(rng, depth)
        cases.append(_composition_case(f"{depth} layers", L, x))
    return run_cases(ctx, "Composition", cases, what="hidden compositions")


# -- part 4 -------------------------------------------------------------------
def _fog(ctx: CheckContext, points: list[np.ndarray], what: str, expected: list[np.ndarray] | None = None) -> Outcome:
    passed = 0
    messages = []
    for number, x in enumerate(points):
        want = reference.f_of_g(x.reshape(-1, 1)) if expected is None else expected[number]
        case = Case(f"x = {np.round(x, 3).tolist()}", lambda layout, x=x: (vec(x, layout),),
                    lambda got, layout, want=want: _one(got, want, "(f o g)(x)"))
        verdict, result = run_case(ctx, "f_of_g", case, spy=("Composition",))
        if not result.ok:
            return call_failed(result, signature="f_of_g(x)")
        used = any(event.function == "Composition" and event.event == "spy_call" for event in result.events)
        if not used:
            return Outcome(0.0, "f_of_g does not call Composition", hint="compute (f o g)(x) as the last "
                           "activation returned by Composition([(W1, b1), (W2, b2)], x)")
        if verdict.fraction >= 1:
            passed += 1
        else:
            messages.append(f"{case.label}: {verdict.message}")
    if not messages:
        return Outcome(1.0, f"(f o g)(x) correct at {what}, computed with Composition")
    return Outcome(passed / len(points), "; ".join(messages[:3]))


def part4_example(ctx: CheckContext) -> Outcome:
    return _fog(ctx, [EXAMPLE_X], "the example point", [PUBLIC["f_of_g"]])


def part4_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("4.hidden")
    return _fog(ctx, [rng.normal(size=2).round(3) for _ in range(3)], "3 hidden points")


# -- parts 5 to 7 -------------------------------------------------------------
def _pair_case(label: str, args: tuple[np.ndarray, ...], want: tuple[np.ndarray, np.ndarray],
               names: tuple[str, str], hint: str) -> Case:
    def judge(got: object, layout: str) -> Verdict:
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return Verdict(0.0, f"expected the pair ({names[0]}, {names[1]})")
        wrong = [f"{name} {found.message}" for name, value, target in zip(names, got, want)
                 if not (found := compare(value, target)).ok]
        return Verdict((2 - len(wrong)) / 2, "; ".join(wrong) or "ok", hint if wrong else None)

    return Case(label, lambda layout: tuple(vec(a, layout) for a in args), judge)


def _part5(ctx: CheckContext, points: list[np.ndarray], what: str,
           expected: list[tuple[np.ndarray, np.ndarray]] | None = None) -> Outcome:
    wants = expected or [reference.part5_derivatives(z1) for z1 in points]
    cases = [_pair_case(f"z1 = {np.round(z1, 3).tolist()}", (z1,), want,
                        ("dz2/dvec(W2)", "dz2/db2"), "z2 = W2 z1 + b2 is linear in W2: its derivative is z1^T")
             for z1, want in zip(points, wants)]
    return run_cases(ctx, "part5_derivatives", cases, what=what)


def part5_example(ctx: CheckContext) -> Outcome:
    return _part5(ctx, [PUBLIC["z1"].ravel()], "example points", [(PUBLIC["dz2_dvecW2"], PUBLIC["dz2_db2"])])


def part5_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("5.hidden")
    return _part5(ctx, [rng.normal(size=3).round(3) for _ in range(3)], "hidden points")


def part6(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("6")
    want = PUBLIC["dfog_dz1"]  # the same at every point: f o g is affine
    points = [EXAMPLE_X] + [rng.normal(size=2).round(3) for _ in range(2)]
    cases = [Case(f"x = {np.round(x, 3).tolist()}", lambda layout, x=x: (vec(x, layout),),
                  lambda got, layout: _one(got, want, "d(f o g)/dz1"))
             for x in points]
    return run_cases(ctx, "part6_derivative", cases, what="points")


def _part7(ctx: CheckContext, points: list[np.ndarray], what: str,
           expected: list[tuple[np.ndarray, np.ndarray]] | None = None) -> Outcome:
    wants = expected or [reference.part7_gradients(x) for x in points]
    cases = [_pair_case(f"x = {np.round(x, 3).tolist()}", (x,), want,
                        ("d(f o g)/db1", "grad_W1"),
                        "if dy/dz = p^T then grad_W y = p x^T: here p = W2^T, so grad_W1 = W2^T x^T (3 x 2)")
             for x, want in zip(points, wants)]
    return run_cases(ctx, "part7_gradients", cases, what=what)


def part7_example(ctx: CheckContext) -> Outcome:
    return _part7(ctx, [EXAMPLE_X], "example points", [(PUBLIC["dfog_db1"], PUBLIC["grad_W1"])])


def part7_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("7.hidden")
    return _part7(ctx, [rng.normal(size=2).round(3) for _ in range(3)], "hidden points")


# -- part 8 -------------------------------------------------------------------
def _gradients_case(label: str, L: list[tuple[np.ndarray, np.ndarray]], x: np.ndarray,
                    want: list[tuple[np.ndarray, np.ndarray]] | None = None) -> Case:
    z = reference.Composition([(W, b.reshape(-1, 1)) for W, b in L], x.reshape(-1, 1))
    if want is None:
        want = reference.ComputeGradients([(W, b.reshape(-1, 1)) for W, b in L], x, z)

    def args(layout: str) -> tuple[object, ...]:
        return _layers(L, layout), vec(x, layout), [vec(zi, layout) for zi in z]

    def judge(got: object, layout: str) -> Verdict:
        if got is None:
            return Verdict(0.0, "returned None (a missing `return` statement?)")
        if not isinstance(got, (list, tuple)) or len(got) != len(L):
            size = f"{len(got)} items" if isinstance(got, (list, tuple)) else f"a {type(got).__name__}"
            return Verdict(0.0, f"expected a list of {len(L)} (grad_W, grad_b) pairs, got {size}")
        right = 0
        wrong = []
        transposed = []
        for i, (pair, (gW, gb)) in enumerate(zip(got, want), start=1):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                wrong.append(f"layer {i}: expected a pair (grad_W{i}, grad_b{i})")
                continue
            for name, value, target in ((f"grad_W{i}", pair[0], gW), (f"grad_b{i}", pair[1], gb)):
                found = compare(value, target, allow_row_vector=not name.startswith("grad_W"))
                if found.ok:
                    right += 1
                    continue
                wrong.append(f"{name} {found.message}")
                if found.mistake == "transposed":
                    transposed.append(name)
        fraction = right / (2 * len(L))
        hint = "use the backward recursion dz_n/dz_(i-1) = dz_n/dz_i W_i"
        if transposed:
            hint = (f"{', '.join(transposed)} transposed: the gradient of the scalar z_n with respect to W_i "
                    "has W_i's shape: grad_W_i = (dz_n/dz_i)^T z_(i-1)^T")
        return Verdict(fraction, "; ".join(wrong[:3]) or "ok", hint)

    return Case(label, args, judge)


def part8_example(ctx: CheckContext) -> Outcome:
    expected = [(PUBLIC["grad_W1"], PUBLIC["dfog_db1"]), (PUBLIC["grad_W2"], PUBLIC["grad_b2"])]
    return run_cases(ctx, "ComputeGradients",
                     [_gradients_case("f o g at x = [-1, 1]", _example_layers(), EXAMPLE_X, expected)])


def _depths(depths: list[int]) -> str:
    return ("depth " if len(depths) == 1 else "depths ") + ", ".join(map(str, depths))


def part8_hidden(ctx: CheckContext) -> Outcome:
    rng = ctx.rng("8.hidden")
    cases = []
    by_depth: dict[int, list[float]] = {}
    for depth in (2, 3, 4, 5, 6):
        for _ in range(2):
            L, x = _random_composition(rng, depth)
            cases.append((depth, _gradients_case(f"{depth} layers", L, x)))
    total = 0.0
    messages = []
    hint = None
    raised = False
    for depth, case in cases:
        verdict, result = run_case(ctx, "ComputeGradients", case)
        if stops_grading(result):
            return call_failed(result, signature="ComputeGradients(L, x, z)")
        by_depth.setdefault(depth, []).append(verdict.fraction)
        total += verdict.fraction
        raised = raised or verdict.raised
        if verdict.fraction < 1 and len(messages) < 2:
            messages.append(f"{case.label}: {verdict.message}")
            hint = hint or verdict.hint
    failed = [depth for depth, fractions in by_depth.items() if min(fractions) < 1]
    passed = [depth for depth in by_depth if depth not in failed]
    if not failed:
        return Outcome(1.0, f"ComputeGradients correct on all {len(cases)} hidden compositions (2 to 6 layers)")
    summary = f"wrong at {_depths(failed)}" + (f"; right at {_depths(passed)}" if passed else "")
    return Outcome(total / len(cases), f"ComputeGradients {summary}. " + " ".join(messages),
                   hint=hint if hint and "transposed" in hint else
                   "ComputeGradients must work for any number of layers n >= 2: loop backwards over the layers",
                   status="error" if raised and total == 0 else None)
