# -*- coding: latin-1 -*-
# Devoir 2, problème 4 -- Élise Dupré
# Écrit sous Windows avec un éditeur qui enregistre en Latin-1.
import numpy as np

UNITÉS = "°C"  # une chaîne accentuée : lue telle quelle


def affine_parameters():
    # les paramètres de g et f (énoncé, question 1)
    W1 = np.array([[1., 2.], [0., 1.], [-1., 0.]])
    b1 = np.array([[0.], [0.], [3.]])
    W2 = np.array([[1., -2., 0.25]])
    b2 = np.array([[0.]])
    return W1, b1, W2, b2


def AffineTransformation(W, b, x):
    return W @ x + b


def Composition(L, x):
    activations = []  # z1, z2, ..., zn
    for W, b in L:
        x = AffineTransformation(W, b, x)
        activations.append(x)
    return activations


def f_of_g(x):
    W1, b1, W2, b2 = affine_parameters()
    return Composition([(W1, b1), (W2, b2)], x)[-1]


def part5_derivatives(z1):
    # dz2/dvec(W2) = z1^T ; dz2/db2 = 1
    return z1.T, np.ones((1, 1))


def part6_derivative(x):
    return affine_parameters()[2].T


def part7_gradients(x):
    W2 = affine_parameters()[2]
    return W2.T, W2.T @ x.T       # dérivée par rapport à b1, puis à W1


def ComputeGradients(L, x, z):
    inputs = [x] + z[:-1]
    upstream = np.ones((1, 1))
    grads = []
    for (W, b), z_prev in zip(reversed(L), reversed(inputs)):
        grads.append((upstream.T @ z_prev.T, upstream.T))
        upstream = upstream @ W
    return grads[::-1]


if __name__ == "__main__":
    x = np.array([[-1.], [1.]])
    print("(f o g)(x) =", f_of_g(x), "à x =", x.ravel())
