"""Attack `forged_spy_events`: the hw2_affine reference with f_of_g replaced by the attack.

f_of_g computes W2 (W1 x + b1) + b2 directly, without Composition, and writes
a forged 'spy_call Composition' event into the grader's answer channel, with
the id of the request being served, so the check believes Composition was used.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
from __future__ import annotations

import numpy as np


def affine_parameters():
    W1 = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.0]])
    b1 = np.array([[0.0], [0.0], [3.0]])
    W2 = np.array([[1.0, -2.0, 0.25]])
    b2 = np.array([[0.0]])
    return W1, b1, W2, b2


def AffineTransformation(W, b, x):
    return W @ x + b


def Composition(L, x):
    activations = []
    z = x
    for W, b in L:
        z = AffineTransformation(W, b, z)
        activations.append(z)
    return activations


def part5_derivatives(z1):
    """dz2/dvec(W2) at z1 is z1^T; dz2/db2 is 1."""
    return np.asarray(z1, dtype=float).reshape(1, -1), np.array([[1.0]])


def part6_derivative(x):
    """d(f o g)/dz1 is W2^T, whatever x is."""
    return affine_parameters()[2].T


def part7_gradients(x):
    """(d(f o g)/db1, grad_W1 (f o g)) at x: W2^T and W2^T x^T."""
    W2 = affine_parameters()[2]
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    return W2.T, W2.T @ x.T


def ComputeGradients(L, x, z):
    """Gradients of the scalar z_n for every (W_i, b_i), by the backward recursion."""
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    inputs = [x] + [np.asarray(zi, dtype=float).reshape(-1, 1) for zi in z[:-1]]
    upstream = np.ones((1, 1))  # dz_n/dz_n
    grads = []
    for i in range(len(L) - 1, -1, -1):
        W, _ = L[i]
        grads.append((upstream.T @ inputs[i].T, upstream.T))
        upstream = upstream @ np.asarray(W, dtype=float)
    return grads[::-1]


@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def serving():
    """The harness object and the id of the request being served, from the frames above."""
    import gc
    import sys

    harness = next((o for o in gc.get_objects() if type(o).__name__ == "Harness"), None)
    frame, request_id = sys._getframe(), None
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and isinstance(request.get("id"), int):
            request_id = request["id"]
        frame = frame.f_back
    return harness, request_id


def raw_frame(header, blobs=()):
    """A well-formed frame, built by hand (the grader's format is public)."""
    import json

    raw = json.dumps(header).encode()
    return (b"GRD1" + struct.pack(">I", len(raw)) + raw + struct.pack(">I", len(blobs))
            + b"".join(struct.pack(">Q", len(blob)) + blob for blob in blobs))

import numpy as np


def f_of_g(x):
    W1, b1, W2, b2 = affine_parameters()
    harness, request_id = serving()
    if harness is not None and request_id is not None:
        event = raw_frame({"id": request_id, "event": "spy_call", "function": "Composition", "index": 0,
                           "value": {"$dict": {"args": [], "kwargs": {"$dict": {}}, "globals": {"$dict": {}}}}})
        os.write(harness.responses.fileno(), event)
    column = np.asarray(x, dtype=float).reshape(-1, 1)
    return W2 @ (W1 @ column + b1) + b2
