"""Homework 3 (label smoothing) -- submitted by T. Nguyen"""
import numpy as np

def smooth_labels(y, epsilon):
    # shrink the true label by epsilon
    ys = (1.0 - epsilon) * y
    return ys

def forward(x, W1, b1, W2, b2):
    h = np.dot(W1.T, x) + b1
    a = np.where(h > 0, h, 0.0)
    z = np.dot(W2.T, a) + b2
    ez = np.exp(z - z.max())
    yhat = ez / np.sum(ez)
    return h, a, z, yhat

def loss(yhat, ys):
    return float(-np.sum(ys * np.log(yhat)))

def gradients(x, y, W1, b1, W2, b2, epsilon):
    ys = smooth_labels(y, epsilon)
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    g = yhat - ys                  # dL/dz
    dW2 = np.outer(a, g)
    db2 = g
    g1 = np.dot(W2, g) * (h > 0)   # dL/dh
    return np.outer(x, g1), g1, dW2, db2

def update(x, y, W1, b1, W2, b2, epsilon, eta):
    grads = gradients(x, y, W1, b1, W2, b2, epsilon)
    new = []
    for p, g in zip((W1, b1, W2, b2), grads):
        new.append(p - eta * g)
    return tuple(new)

if __name__ == "__main__":
    x = np.array([0., 2.])
    y = np.array([1., 0., 0.])
    W1 = np.array([[-5., 2., 2.], [-5., 2., -1.]])
    b1 = np.array([-3., -2., -3.])
    W2 = np.array([[3., -4., 1.], [-2., -4., -2.], [-4., -2., 3.]])
    b2 = np.array([4., 5., 5.])
    W1n, b1n, W2n, b2n = update(x, y, W1, b1, W2, b2, 0.3, 0.1)
    print("W1 =", W1n); print("b1 =", b1n); print("W2 =", W2n); print("b2 =", b2n)
