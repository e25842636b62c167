# Homework 3 -- label smoothing, written with plain loops so that every
# index matches the sums in my derivation.
import math

import numpy as np


def smooth_labels(y, epsilon):
    q = len(y)
    ys = np.zeros(q)
    for i in range(q):
        ys[i] = (1 - epsilon) * y[i] + epsilon / q
    return ys


def forward(x, W1, b1, W2, b2):
    d, n = W1.shape
    q = W2.shape[1]
    h = np.zeros(n)
    for j in range(n):
        h[j] = b1[j]
        for i in range(d):
            h[j] += W1[i, j] * x[i]
    a = np.array([max(v, 0.0) for v in h])
    z = np.zeros(q)
    for k in range(q):
        z[k] = b2[k]
        for j in range(n):
            z[k] += W2[j, k] * a[j]
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    yhat = np.array([v / total for v in e])
    return h, a, z, yhat


def loss(yhat, ys):
    total = 0.0
    for i in range(len(ys)):
        total -= ys[i] * math.log(yhat[i])
    return total


def gradients(x, y, W1, b1, W2, b2, epsilon):
    d, n = W1.shape
    q = W2.shape[1]
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    ys = smooth_labels(y, epsilon)
    dz = [yhat[k] - ys[k] for k in range(q)]
    dW2 = np.zeros((n, q))
    db2 = np.zeros(q)
    for k in range(q):
        db2[k] = dz[k]
        for j in range(n):
            dW2[j, k] = a[j] * dz[k]
    db1 = np.zeros(n)
    for j in range(n):
        if h[j] > 0:                     # ReLU'(0) = 0
            db1[j] = sum(W2[j, k] * dz[k] for k in range(q))
    dW1 = np.zeros((d, n))
    for i in range(d):
        for j in range(n):
            dW1[i, j] = x[i] * db1[j]
    return dW1, db1, dW2, db2


def update(x, y, W1, b1, W2, b2, epsilon, eta):
    dW1, db1, dW2, db2 = gradients(x, y, W1, b1, W2, b2, epsilon)
    W1_new = W1.copy()
    for i in range(W1.shape[0]):
        for j in range(W1.shape[1]):
            W1_new[i, j] = W1[i, j] - eta * dW1[i, j]
    W2_new = W2.copy()
    for j in range(W2.shape[0]):
        for k in range(W2.shape[1]):
            W2_new[j, k] = W2[j, k] - eta * dW2[j, k]
    b1_new = np.array([b1[j] - eta * db1[j] for j in range(len(b1))])
    b2_new = np.array([b2[k] - eta * db2[k] for k in range(len(b2))])
    return W1_new, b1_new, W2_new, b2_new


if __name__ == "__main__":
    x = np.array([0.0, 2.0])
    y = np.array([1.0, 0.0, 0.0])
    W1 = np.array([[-5.0, 2.0, 2.0], [-5.0, 2.0, -1.0]])
    b1 = np.array([-3.0, -2.0, -3.0])
    W2 = np.array([[3.0, -4.0, 1.0], [-2.0, -4.0, -2.0], [-4.0, -2.0, 3.0]])
    b2 = np.array([4.0, 5.0, 5.0])
    print(update(x, y, W1, b1, W2, b2, 0.3, 0.1))
