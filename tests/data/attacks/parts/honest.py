"""The hw2_affine reference every attack file starts from (@HONEST@ in it).

tests/integration/test_attacks.py puts it in place; it is not graded alone."""
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


