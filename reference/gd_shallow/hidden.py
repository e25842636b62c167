"""Hidden checks of gd_shallow: gradient descent on random starts, rates and
iteration counts (1.3), and the network functions against the reference on
random networks and batches (2.1-2.3), with the usual mistakes named: a loss
or gradient summed over the batch, a sign flipped, the sigmoid's derivative
taken as s instead of s(1 - s) or at z instead of at s."""

from __future__ import annotations

import numpy as np

from grader.checks.diagnostics import call_failed
from grader.checks.numeric import as_array, compare
from grader.context import CheckContext
from grader.plugin import Hidden, check, checks_in
from grader.rubric import Outcome

from . import network, quartic, solution

HIDDEN_SEED = "quartic-shallow-7e1c"
BLOCKS = ("W1", "b1", "W2", "b2")
NETWORKS = ((5, 7, 1.0), (20, 13, 1.0), (100, 50, 1.0), (30, 9, 400.0))
"""(hidden units, batch size, weight scale): the last saturates every unit
(logits in the hundreds), which an unstable sigmoid or softmax turns into NaN."""
RTOL = 1e-6


def random_cases(rng: np.random.Generator, count: int) -> list[quartic.Expected]:
    """Starting points and rates that reach the minimum near 0 (or wander
    slowly), iteration counts from 5 to 40, and the reference's answers."""
    cases = []
    for _ in range(count):
        x0, lr, iterations = float(rng.uniform(-1.5, 1.0)), float(rng.uniform(0.005, 0.08)), int(rng.integers(5, 41))
        xs, values = solution.gradient_descent(x0, lr, iterations)
        cases.append(quartic.Expected(x0, lr, iterations, xs, values, x0 + lr * float(solution.grad_f(x0))))
    return cases


@check
def descent_hidden(ctx: CheckContext) -> Outcome:
    judged = [quartic.judge_descent(ctx, case) for case in random_cases(ctx.hidden_rng("1.3"), 4)]
    stub = quartic.unimplemented(judged)
    if stub is not None:
        return stub
    credit = sum(j.credit for j in judged) / len(judged)
    right = sum(j.credit == 1 for j in judged)
    wrong = [j for j in judged if j.credit < 1]
    text = f"{right} of {len(judged)} random runs match in full" + (f"; {wrong[0].message}" if wrong else "")
    return Outcome(credit, text, mistakes=tuple(dict.fromkeys(m for j in judged for m in j.mistakes)),
                   hint=None if credit == 1 else quartic.COURSE_HINT)


def _cases(ctx: CheckContext, name: str) -> list[tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]]:
    rng = ctx.hidden_rng(name)
    cases = []
    for hidden, n, scale in NETWORKS:
        params = network.random_network(rng, hidden, scale)
        X, Y = network.random_batch(rng, n)
        cases.append((params, X, Y))
    return cases


@check
def network_outputs(ctx: CheckContext) -> Outcome:
    """2.1: sigmoid at extreme points and predict_proba on random networks."""
    session = ctx.session
    lines, scores = [], []
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 2.5, 30.0, 1000.0])
    result = session.call("sigmoid", z)
    if not result.ok and call_failed(result).not_implemented:
        return call_failed(result)
    found = compare(result.value, solution.sigmoid(z), rtol=RTOL, atol=1e-12) if result.ok else None
    scores.append(1.0 if found is not None and found.ok else 0.0)
    lines.append("sigmoid matches at z = +-1000, +-30, ..." if scores[-1] else
                 f"sigmoid: {found.message if found else call_failed(result).output}" +
                 (" (unstable: use exp(-logaddexp(0, -z)) or split z >= 0 and z < 0)" if found and found.mistake == "nan"
                  else ""))
    form = ctx.fact(network.params_form)
    for i, (params, X, _) in enumerate(_cases(ctx, "2.1")):
        result = session.call("predict_proba", form.pack(params), X)
        want = solution.predict_proba(params, X)
        found = compare(result.value, want, rtol=RTOL, atol=1e-10) if result.ok else None
        scores.append(1.0 if found is not None and found.ok else 0.0)
        if not scores[-1]:
            lines.append(f"predict_proba on network {i + 1} ({params[0].shape[1]} hidden, n = {X.shape[0]}"
                         f"{', saturated' if i == 3 else ''}): " + (found.message if found else
                                                                     call_failed(result).output))
    right = sum(scores[1:])
    if right == len(NETWORKS):
        lines.append(f"predict_proba matches on {len(NETWORKS)} random networks")
    return Outcome(sum(scores) / len(scores), "; ".join(lines),
                   hint=None if min(scores) == 1 else "softmax(sigmoid(X W1 + b1) W2 + b2), the softmax per row and "
                                                      "shifted by its max")


@check
def loss_hidden(ctx: CheckContext) -> Outcome:
    cases = _cases(ctx, "2.2")[:3]  # not the saturated network: log(p + 1e-12) is a fair way to write the loss
    right, lines, mistakes = 0, [], []
    for params, X, Y in cases:
        result = ctx.session.call("loss", ctx.fact(network.params_form).pack(params), X, Y)
        if not result.ok and call_failed(result).not_implemented:
            return call_failed(result)
        number = as_array(result.value)[0] if result.ok else None
        want = solution.loss(params, X, Y)
        got = float(number.ravel()[0]) if number is not None and number.size == 1 else None
        if got is not None and np.isclose(got, want, rtol=RTOL):
            right += 1
            continue
        n = X.shape[0]
        if got is not None and np.isclose(got, n * want, rtol=RTOL):
            lines.append(f"n = {n}: {got:.6g} is n times the mean {want:.6g}: the loss is summed, not averaged")
            mistakes.append("summed")
        else:
            lines.append(f"n = {n}: got {got if got is not None else call_failed(result).output}, expected {want:.6g}")
    text = f"loss matches on {right} of {len(cases)} random networks" + (f"; {lines[0]}" if lines else "")
    return Outcome(right / len(cases), text, mistakes=tuple(dict.fromkeys(mistakes)),
                   hint=None if right == len(cases) else "-(1/n) sum_i sum_k y_ik log p_ik")


def _variants(params: tuple[np.ndarray, ...], X: np.ndarray, Y: np.ndarray) -> dict[tuple[str, str], tuple]:
    W1, b1, W2, b2 = params
    n = X.shape[0]
    z = X @ W1 + b1
    s = solution.sigmoid(z)
    G2 = (solution.softmax(s @ W2 + b2) - Y) / n
    back = G2 @ W2.T

    def first(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        G1 = back * mask
        return X.T @ G1, G1.sum(axis=0)

    return {("sigmoid-derivative", "the sigmoid's derivative taken as s (it is s (1 - s))"): first(s),
            ("sigmoid-derivative", "the sigmoid's derivative taken at z, z (1 - z) (it is s (1 - s) with s = "
                                   "sigmoid(z))"): first(z * (1 - z)),
            ("sigmoid-derivative", "the sigmoid's derivative left out"): first(np.ones_like(s))}


@check
def gradients_hidden(ctx: CheckContext) -> Outcome:
    cases = _cases(ctx, "2.3")[:3]
    per_block = np.zeros(4)
    errors: list[list[float]] = [[], [], [], []]
    found_mistakes: dict[str, tuple[list[str], str]] = {}

    def named(mistake: str, block: str, said: str) -> None:
        blocks, _ = found_mistakes.setdefault(mistake, ([], said))
        if block not in blocks:
            blocks.append(block)

    for params, X, Y in cases:
        form = ctx.fact(network.params_form)
        result = ctx.session.call("gradients", form.pack(params), X, Y)
        want = solution.gradients(params, X, Y)
        if not result.ok:
            return call_failed(result, signature="gradients(params, X, Y) -> (dW1, db1, dW2, db2)")
        got = form.unpack_gradient(result.value)
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            return Outcome(0.0, f"gradients returned {type(got).__name__}; expected (dW1, db1, dW2, db2)")
        variants = _variants(params, X, Y)
        n = X.shape[0]
        for k in range(4):
            found = compare(got[k], want[k], rtol=RTOL, atol=1e-10,
                            factors={"the batch size n": n, "-1 (a flipped sign)": -1.0})
            name = "d" + BLOCKS[k]
            mine = as_array(got[k])[0]
            if mine is not None and mine.size == want[k].size:
                with np.errstate(all="ignore"):
                    error = float(np.max(np.abs(mine.reshape(want[k].shape) - want[k])))
                if np.isfinite(error):
                    errors[k].append(error)
            if found.ok:
                per_block[k] += 1
            elif found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, n, rtol=1e-3):
                named("summed", name, "n times too large: average over the batch")
            elif found.mistake == "scaled" and found.factor is not None and np.isclose(found.factor, -1, rtol=1e-3):
                named("sign", name, "the wrong sign: the gradient of the loss, not its negative")
            else:
                mine = np.asarray(got[k], dtype=np.float64) if np.size(got[k]) == want[k].size else None
                said = next((m for (_, m), v in variants.items() if k < 2 and mine is not None and np.allclose(
                    mine.reshape(v[k].shape), v[k], rtol=RTOL, atol=1e-10)), None)
                if said is not None:
                    named("sigmoid-derivative", name, said)
                else:
                    named(f"wrong-{name}", name, found.message)
    fractions = per_block / len(cases)
    for k, block in enumerate(BLOCKS):
        ctx.figures.setdefault("gradients", {})["d" + block] = {
            "credit": float(fractions[k]), "networks": len(cases), "right": int(per_block[k]),
            "mistakes": [m for m, (blocks, _) in found_mistakes.items() if "d" + block in blocks
                         and not m.startswith("wrong-")],
            "largest_error": max(errors[k]) if errors[k] else None}
    right = [f"d{b}" for b, x in zip(BLOCKS, fractions) if x == 1]
    text = (f"{', '.join(right) or 'no block'} right on {len(cases)} random networks"
            + "".join(f"; {', '.join(blocks)}: {said}" for blocks, said in found_mistakes.values()))
    named = tuple(m for m in found_mistakes if not m.startswith("wrong-"))
    return Outcome(float(fractions.mean()), text, mistakes=named,
                   hint=None if fractions.min() == 1 else "G2 = (P - Y)/n; dW2 = H^T G2, db2 = sum of G2's rows; "
                                                          "G1 = (G2 W2^T) * H (1 - H); dW1 = X^T G1, db1 = sum of "
                                                          "G1's rows")


HIDDEN = Hidden(checks=checks_in(__name__), hidden_seed=HIDDEN_SEED)
