"""Homework 2, problem 4: compositions of affine maps and their gradients.

Fill in every function below; keep the names and arguments. Vectors may be
numpy arrays of shape (k, 1) (column vectors, as in the handout) or (k,):
both are accepted, but be consistent within one function.

Check your work with:  grade submit homework2_affine_<yourname>.py
Keep any experiments under `if __name__ == "__main__":` so that importing
this file runs nothing.
"""

import numpy as np


def affine_parameters():
    """Part 1: g and f written as W x + b.

    g(x1, x2) = [x1 + 2 x2, x2, -x1 + 3] and f(x1, x2, x3) = x1 - 2 x2 + x3 / 4.

    Returns the tuple (W1, b1, W2, b2) with W1 of shape (3, 2), b1 a vector of
    length 3, W2 of shape (1, 3) and b2 a vector of length 1, so that
    g(x) = W1 x + b1 and f(z) = W2 z + b2.
    """
    raise NotImplementedError


def AffineTransformation(W, b, x):
    """Part 2: the affine map W x + b.

    W: (m, k); b: (m, 1) or (m,); x: (k, 1) or (k,). Returns a vector of length m.
    """
    raise NotImplementedError


def Composition(L, x):
    """Part 3: apply the affine maps in L to x, from the first to the last.

    L: list [(W1, b1), ..., (Wn, bn)]; x: the input vector.
    Returns the list of all activations [z1, ..., zn], where
    z1 = W1 x + b1 and z_i = W_i z_(i-1) + b_i.
    """
    raise NotImplementedError


def f_of_g(x):
    """Part 4: (f o g)(x), computed by calling Composition on [(W1, b1), (W2, b2)].

    Returns only the final output z2 (a vector of length 1). At x = [-1, 1]
    it is 0.
    """
    raise NotImplementedError


def part5_derivatives(z1):
    """Part 5: for z2 = W2 z1 + b2, the pair (dz2/dvec(W2), dz2/db2) at z1.

    z1: vector of length 3. dz2/dvec(W2) has shape (1, 3); dz2/db2 has shape (1, 1).
    """
    raise NotImplementedError


def part6_derivative(x):
    """Part 6: d(f o g)/dz1 at x, as a vector of length 3 (the course writes it
    as a column)."""
    raise NotImplementedError


def part7_gradients(x):
    """Part 7: the pair (d(f o g)/db1, grad_W1 (f o g)) at x.

    d(f o g)/db1 is a vector of length 3; grad_W1 (f o g) has W1's shape (3, 2).
    Hint: if dy/dz = p^T, then grad_W y = p x^T.
    """
    raise NotImplementedError


def ComputeGradients(L, x, z):
    """Part 8: gradients of the scalar output z_n for every parameter.

    L: [(W1, b1), ..., (Wn, bn)] with n >= 2 and a last layer of width 1;
    x: the input; z: the activations [z1, ..., zn] that Composition(L, x) returns.
    Returns [(grad_W1, grad_b1), ..., (grad_Wn, grad_bn)], each grad_W_i of
    W_i's shape and each grad_b_i a vector like b_i.
    Backward recursion: dz_n/dz_(i-1) = dz_n/dz_i W_i, grad_W_i = (dz_n/dz_i)^T z_(i-1)^T,
    grad_b_i = (dz_n/dz_i)^T, with z_0 = x.
    """
    raise NotImplementedError


if __name__ == "__main__":
    x = np.array([[-1.0], [1.0]])
    W1, b1, W2, b2 = affine_parameters()
    print("(f o g)(x) =", f_of_g(x))
