# Homework 2, problem 4 -- written with 1-d numpy vectors everywhere.
import numpy as np

W1 = np.array([[1, 2], [0, 1], [-1, 0]], dtype=float)
b1 = np.array([0, 0, 3], dtype=float)
W2 = np.array([[1, -2, 0.25]])
b2 = np.array([0.0])


def affine_parameters():
    return W1, b1, W2, b2


def AffineTransformation(W, b, x):
    return np.dot(W, x) + b


def Composition(L, x):
    zs = []
    for (W, b) in L:
        x = AffineTransformation(W, b, x)
        zs.append(x)
    return zs


def f_of_g(x):
    return Composition([(W1, b1), (W2, b2)], x)[-1]


def part5_derivatives(z1):
    return z1.reshape(1, -1), np.array([1.0])


def part6_derivative(x):
    return W2[0]


def part7_gradients(x):
    return W2[0], np.outer(W2[0], x)


def ComputeGradients(L, x, z):
    grads = [None] * len(L)
    delta = np.ones(1)                  # dz_n / dz_n
    inputs = [x] + list(z[:-1])
    for i in reversed(range(len(L))):
        W, b = L[i]
        grads[i] = (np.outer(delta, inputs[i]), delta.copy())
        delta = delta @ W
    return grads


print("f(g(x)) =", f_of_g(np.array([-1.0, 1.0])))
