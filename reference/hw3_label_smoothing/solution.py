"""Reference solution for hw3_label_smoothing. Hidden: never shipped to
students and never readable by submitted code.

Vectors may come as (k,) arrays or (k, 1) columns; the work is done on flat
vectors and every gradient is returned in its parameter's shape."""

from __future__ import annotations

import numpy as np


def _flat(v):
    return np.asarray(v, dtype=float).reshape(-1)


def smooth_labels(y, epsilon):
    """ys = (1 - epsilon) y + epsilon / q, q = len(y)."""
    y = np.asarray(y, dtype=float)
    return (1.0 - epsilon) * y + epsilon / y.size


def softmax(z):
    """Shifted by max(z) so that large logits do not overflow exp."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def forward(x, W1, b1, W2, b2):
    h = np.asarray(W1, dtype=float).T @ _flat(x) + _flat(b1)
    a = np.maximum(h, 0.0)
    z = np.asarray(W2, dtype=float).T @ a + _flat(b2)
    return h, a, z, softmax(z)


def loss(yhat, ys):
    return float(-np.sum(_flat(ys) * np.log(_flat(yhat))))


def gradients(x, y, W1, b1, W2, b2, epsilon):
    """dL/dz = yhat - ys; back through W2 and ReLU (ReLU'(0) = 0) to W1, b1."""
    x = _flat(x)
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    dz = yhat - smooth_labels(_flat(y), epsilon)
    dh = (np.asarray(W2, dtype=float) @ dz) * (h > 0)
    return np.outer(x, dh), dh.reshape(np.shape(b1)), np.outer(a, dz), dz.reshape(np.shape(b2))


def update(x, y, W1, b1, W2, b2, epsilon, eta):
    """One gradient-descent step: theta <- theta - eta dL/dtheta."""
    params = (W1, b1, W2, b2)
    grads = gradients(x, y, *params, epsilon)
    return tuple(np.asarray(p, dtype=float) - eta * g for p, g in zip(params, grads))
