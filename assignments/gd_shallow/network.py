"""Parts 2 and 3 of gd_shallow, the grader's side: how the student's
functions take their parameters, and the networks a submission returns read
into the plain layers the grader's own forward pass evaluates
(``grader.training.models``; on the test set too, which never reaches student
code)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from grader.checks.numeric import as_array
from grader.context import CheckContext
from grader.training.models import ACTIVATIONS, Layer, log_probabilities

DATASET = "fashion_mnist"
FEATURES, CLASSES = 784, 10
ALIASES = {"logistic": "sigmoid", "identity": "linear", "none": "linear", "": "linear", "logsig": "sigmoid",
           "tansig": "tanh", "purelin": "linear", "rectifier": "relu", "softmax_output": "softmax"}
"""Activation names as students (and MATLAB's toolbox) spell them."""


# -- reading what the student returns --------------------------------------------------------
def read_shallow(value: Any) -> tuple[list[Layer] | None, str | None]:
    """Part 2's (W1, b1, W2, b2), as a list or a dict, with either weight
    stored transposed: as layers [(W1, b1, sigmoid), (W2, b2, softmax)]."""
    if isinstance(value, dict):
        keys = {str(k).lower(): v for k, v in value.items()}
        names = ("w1", "b1", "w2", "b2")
        value = tuple(keys.get(k) for k in names) if all(k in keys for k in names) else value
    if not isinstance(value, (tuple, list)) or len(value) < 4:
        return None, f"returned {type(value).__name__}, not (W1, b1, W2, b2)"
    arrays = [as_array(v)[0] for v in value[:4]]
    if any(a is None for a in arrays):
        return None, "returned items that are not arrays where (W1, b1, W2, b2) go"
    W1, b1, W2, b2 = arrays  # type: ignore[misc]
    notes = []
    if W1.ndim == 2 and W1.shape[0] != FEATURES and W1.shape[1] == FEATURES:
        W1, notes = W1.T, notes + ["W1 stored as (H, 784)"]
    if W1.ndim != 2 or W1.shape[0] != FEATURES:
        return None, f"returned W1 of shape {W1.shape}, not (784, H)"
    hidden = W1.shape[1]
    if W2.ndim == 2 and W2.shape == (CLASSES, hidden) and hidden != CLASSES:
        W2, notes = W2.T, notes + ["W2 stored as (10, H)"]
    if W2.shape != (hidden, CLASSES) or b1.size != hidden or b2.size != CLASSES:
        return None, (f"returned W1 {W1.shape}, b1 {b1.shape}, W2 {W2.shape}, b2 {b2.shape}: not a 784-{hidden}-10 "
                      "network")
    layers = [(W1, b1.reshape(hidden), "sigmoid"), (W2, b2.reshape(CLASSES), "softmax")]
    return layers, ("; ".join(notes) or None)


def read_layers(value: Any) -> tuple[list[Layer] | None, str | None]:
    """Part 3's [(W, b, activation), ...]; part 2's 4-tuple is read as the
    sigmoid network it is."""
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (tuple, list)) and len(v) == 3
                                                          for v in value):
        layers, width = [], FEATURES
        for i, (W, b, activation) in enumerate(value):
            W, b = as_array(W)[0], as_array(b)[0]
            name = ALIASES.get(str(activation).lower(), str(activation).lower())
            if name not in ACTIVATIONS:
                return None, f"layer {i + 1}'s activation {activation!r} is not one of {', '.join(ACTIVATIONS)}"
            if W is None or b is None or W.ndim != 2:
                return None, f"layer {i + 1} is not (W (inputs, outputs), b, activation)"
            if W.shape[0] != width and W.shape[1] == width:
                W = W.T
            if W.shape[0] != width or b.size != W.shape[1]:
                return None, f"layer {i + 1} has W {W.shape} and b {b.shape} after a layer of {width} units"
            layers.append((W, b.reshape(W.shape[1]), name))
            width = W.shape[1]
        if width != CLASSES:
            return None, f"the last layer has {width} units, not 10 classes"
        return layers, None
    layers, note = read_shallow(value)
    if layers is None:
        return None, ('expected a list of (W, b, activation) layers, e.g. [(W1, b1, "relu"), (W2, b2, "softmax")]; '
                      + (note or ""))
    return layers, "returned (W1, b1, W2, b2): read as part 2's sigmoid network"


# -- the params a student's functions take ---------------------------------------------------------
@dataclass(frozen=True)
class ParamsForm:
    """How a student's functions take (W1, b1, W2, b2): a tuple or a dict,
    with W1 as (784, H) or (H, 784)."""

    as_dict: bool
    w1_transposed: bool
    description: str

    def pack(self, params: Sequence[np.ndarray]) -> Any:
        W1, b1, W2, b2 = params
        W1 = W1.T if self.w1_transposed else W1
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2} if self.as_dict else (W1, b1, W2, b2)

    def unpack_gradient(self, value: Any) -> Any:
        """The student's (dW1, db1, dW2, db2) in the stub's layout (a tuple, dW1 (784, H))."""
        if isinstance(value, dict):
            keys = {str(k).lower(): v for k, v in value.items()}
            names = [("dw1", "w1"), ("db1", "b1"), ("dw2", "w2"), ("db2", "b2")]
            if all(any(n in keys for n in pair) for pair in names):
                value = tuple(next(keys[n] for n in pair if n in keys) for pair in names)
        if self.w1_transposed and isinstance(value, (tuple, list)) and len(value) == 4:
            first = as_array(value[0])[0]
            value = (first.T if first is not None and first.ndim == 2 else value[0], *value[1:])
        return value


PARAMS_FORMS = (ParamsForm(False, False, "a tuple (W1 (784, H), b1, W2 (H, 10), b2)"),
                ParamsForm(True, False, 'a dict {"W1": (784, H), "b1", "W2", "b2"}'),
                ParamsForm(True, True, 'a dict {"W1": (H, 784), "b1", "W2", "b2"}'),
                ParamsForm(False, True, "a tuple with W1 as (H, 784)"))


def params_form(ctx: CheckContext) -> ParamsForm:
    """The stub passes params = (W1 (784, H), b1, W2 (H, 10), b2); real files
    also take a dict of them, or W1 as (H, 784) (MATLAB's layout). The form
    is the one under which the student's predict_proba agrees with the
    grader's forward pass on a probe network; else the first it accepts."""
    rng = ctx.public_rng("params-form")
    params = random_network(rng, 6)
    X, _ = random_batch(rng, 5)
    want = np.exp(log_probabilities(layers_of(params), X))
    accepted = None
    for form in PARAMS_FORMS:
        result = ctx.session.call("predict_proba", form.pack(params), X)
        got = as_array(result.value)[0] if result.ok else None
        if got is None or got.shape != want.shape:
            continue
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            accepted = form
            break
        accepted = accepted or form
    form = accepted or PARAMS_FORMS[0]
    if form is not PARAMS_FORMS[0]:
        ctx.note(f"Your network functions take params as {form.description} (the stub passes a tuple "
                 "(W1 (784, H), b1, W2 (H, 10), b2)); the grader passed them that way and read the "
                 "gradients back in that layout.")
    return form


def layers_of(params: Sequence[np.ndarray]) -> list[Layer]:
    W1, b1, W2, b2 = params
    return [(W1, b1, "sigmoid"), (W2, b2, "softmax")]


def random_network(rng: np.random.Generator, hidden: int, scale: float = 1.0) -> tuple[np.ndarray, ...]:
    return (rng.normal(0, scale / np.sqrt(FEATURES), (FEATURES, hidden)), rng.normal(0, 0.1, hidden),
            rng.normal(0, scale / np.sqrt(hidden), (hidden, CLASSES)), rng.normal(0, 0.1, CLASSES))


def random_batch(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(0, 1, (n, FEATURES)), np.eye(CLASSES)[rng.integers(0, CLASSES, n)]
