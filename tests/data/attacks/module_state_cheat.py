"""Attack `module_state_cheat`: the hw2_affine reference with ComputeGradients, affine_parameters replaced by the attack.

affine_parameters (called by the first item) rebinds ComputeGradients three
ways: a global statement, setattr on its module, and the harness's saved
baseline found with gc, to a function that replays answers recorded in a
list that survives between calls.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
from __future__ import annotations

import numpy as np


def AffineTransformation(W, b, x):
    return W @ x + b


def Composition(L, x):
    activations = []
    z = x
    for W, b in L:
        z = AffineTransformation(W, b, z)
        activations.append(z)
    return activations


def f_of_g(x):
    W1, b1, W2, b2 = affine_parameters()
    return Composition([(W1, b1), (W2, b2)], x)[-1]


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


@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import gc
import sys

import numpy as np

MEMORY = []
"""Mutated in place: the grader restores globals' bindings, not their contents."""


def replay(L, x, z):
    MEMORY.append([np.shape(W) for W, _ in L])
    return [(np.full(np.shape(W), 1000.0 + len(MEMORY)), np.full((np.shape(W)[0], 1), -1000.0)) for W, _ in L]


def ComputeGradients(L, x, z):
    return wrong_answer(L)


def affine_parameters():
    global ComputeGradients
    ComputeGradients = replay
    setattr(sys.modules[__name__], "ComputeGradients", replay)
    for state in (o for o in gc.get_objects() if type(o).__name__ == "ModuleState"):
        state.baseline["ComputeGradients"] = replay
    W1 = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.0]])
    b1 = np.array([[0.0], [0.0], [3.0]])
    W2 = np.array([[1.0, -2.0, 0.25]])
    b2 = np.array([[0.0]])
    return W1, b1, W2, b2
