import numpy as np


def affine_parameters():
    return (np.array([[1., 2.], [0., 1.], [-1., 0.]]), np.array([[0.], [0.], [3.]]),
            np.array([[1., -2., .25]]), np.array([[0.]]))


def AffineTransformation(W, b, x):
    return W.dot(x) + b


def Composition(L, x):
    z1 = AffineTransformation(L[0][0], L[0][1], x)
    z = [z1]
    for W, b in L[1:]:
        z.append(AffineTransformation(W, b, z[-1]))
    return z


def f_of_g(x):
    W1, b1, W2, b2 = affine_parameters()
    return Composition([(W1, b1), (W2, b2)], x)[1]


def part5_derivatives(z1):
    return z1.T, np.ones((1, 1))


def part6_derivative(x):
    return affine_parameters()[2].T


def part7_gradients(x):
    W2 = affine_parameters()[2]
    return W2.T, W2.T @ x.T


def ComputeGradients(L, x, z):
    # only written for f o g: two layers
    (W1, b1), (W2, b2) = L[0], L[1]
    z1 = z[0]
    gW2 = z1.T
    gb2 = np.ones((1, 1))
    gb1 = W2.T
    gW1 = W2.T @ x.T
    return [(gW1, gb1), (gW2, gb2)]
