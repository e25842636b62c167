"""Reference solution for hw6_mnist (CS 541 homework 6). Hidden: never shipped
to students and never readable by submitted code.

It follows the student template exactly (examples as columns, W1 of shape
(NUM_HIDDEN, 784), pack = W1, b1, W2, b2 flattened row-major in that order), so
the grader can also grade it as a submission: it must score full marks.
Vectorised numpy; trains in float32, evaluates losses in float64.
"""

from __future__ import annotations

import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 50
NUM_OUTPUT = 10

# The search: 10 settings from the handout's suggested ranges, cheapest first.
# On the full 55,000 training images it takes about two minutes on 2 cores.
SEARCH = (
    dict(hidden=30, lr=0.01, batch=64, epochs=3, alpha=0.0),
    dict(hidden=30, lr=0.5, batch=128, epochs=3, alpha=0.0),
    dict(hidden=40, lr=0.05, batch=32, epochs=3, alpha=1e-4),
    dict(hidden=40, lr=0.1, batch=128, epochs=4, alpha=0.0),
    dict(hidden=50, lr=0.005, batch=16, epochs=2, alpha=0.0),
    dict(hidden=50, lr=0.1, batch=256, epochs=5, alpha=1e-4),
    dict(hidden=50, lr=0.05, batch=64, epochs=6, alpha=0.0),
    dict(hidden=40, lr=0.1, batch=64, epochs=6, alpha=1e-5),
    dict(hidden=50, lr=0.1, batch=32, epochs=7, alpha=0.0),
    dict(hidden=50, lr=0.1, batch=64, epochs=8, alpha=0.0),
)


def hidden_units(w):
    """NUM_HIDDEN implied by the length of a packed weight vector."""
    return (np.size(w) - NUM_OUTPUT) // (NUM_INPUT + 1 + NUM_OUTPUT)


def pack(W1, b1, W2, b2):
    return np.concatenate((np.ravel(W1), np.ravel(b1), np.ravel(W2), np.ravel(b2)))


def unpack(w):
    w = np.asarray(w)
    h = hidden_units(w)
    i = 0
    W1 = w[i:i + h * NUM_INPUT].reshape(h, NUM_INPUT)
    i += h * NUM_INPUT
    b1 = w[i:i + h]
    i += h
    W2 = w[i:i + NUM_OUTPUT * h].reshape(NUM_OUTPUT, h)
    i += NUM_OUTPUT * h
    b2 = w[i:i + NUM_OUTPUT]
    return W1, b1, W2, b2


def softmax(z):
    """Column-wise (per example), shifted by the column max so exp never overflows."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]
    return z1, h1, softmax(z2)


def _log_softmax(z):
    shifted = z - z.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def fCE(X, Y, w):
    """Mean unregularised cross-entropy; X (784, n), Y (10, n)."""
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(W1 @ X + b1[:, None], 0)
    z2 = W2 @ h1 + b2[:, None]
    return float(-np.sum(Y * _log_softmax(z2)) / X.shape[1])


def gradCE(X, Y, w, alpha=0.0):
    """Gradient of fCE (+ alpha/2 ||W||^2 on the weights only), packed like w."""
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1, h1, yhat = forward(X, w)
    delta = (yhat - Y) / n                      # (10, n)
    gW2 = delta @ h1.T + alpha * W2
    gb2 = delta.sum(axis=1)
    g = (W2.T @ delta) * (z1 > 0)               # (H, n): relu'(z1), 0 at z1 <= 0
    gW1 = g @ X.T + alpha * W1
    gb1 = g.sum(axis=1)
    return pack(gW1, gb1, gW2, gb2)


def initial_weights(hidden=NUM_HIDDEN, seed=0):
    """The course's initialisation: N(0, 1/sqrt(fan_in)) weights, zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, NUM_INPUT ** -0.5, (hidden, NUM_INPUT))
    W2 = rng.normal(0, hidden ** -0.5, (NUM_OUTPUT, hidden))
    return pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=5, alpha=0.0, seed=0):
    """Minibatch SGD; returns the packed weights after the last epoch."""
    X = np.ascontiguousarray(np.asarray(trainX, dtype=np.float32).T)   # rows: fast minibatch gathers
    Y = np.ascontiguousarray(np.asarray(trainY, dtype=np.float32).T)
    n = X.shape[0]
    w = initial_weights(hidden, seed)
    W1, b1, W2, b2 = (a.astype(np.float32) for a in unpack(w))
    rng = np.random.default_rng(seed + 1)
    lr, alpha = np.float32(lr), np.float32(alpha)
    for _ in range(int(epochs)):
        order = rng.permutation(n)
        for start in range(0, n, int(batch)):
            rows = order[start:start + int(batch)]
            xb, yb = X[rows], Y[rows]                        # (m, 784), (m, 10)
            z1 = xb @ W1.T + b1
            h1 = np.maximum(z1, 0)
            z2 = h1 @ W2.T + b2
            e = np.exp(z2 - z2.max(axis=1, keepdims=True))
            delta = (e / e.sum(axis=1, keepdims=True) - yb) / np.float32(len(rows))
            g = (delta @ W2) * (z1 > 0)
            W2 -= lr * (delta.T @ h1 + alpha * W2)
            b2 -= lr * delta.sum(axis=0)
            W1 -= lr * (g.T @ xb + alpha * W1)
            b1 -= lr * g.sum(axis=0)
    return pack(W1, b1, W2, b2).astype(np.float64)


def accuracy(X, Y, w):
    return float(np.mean(forward(X, w)[2].argmax(axis=0) == np.asarray(Y).argmax(axis=0)))


def findBestHyperparameters(trainX, trainY, valX, valY):
    """Train once per setting in SEARCH; keep the lowest validation cross-entropy."""
    best, best_ce = None, np.inf
    for setting in SEARCH:
        w = train(trainX, trainY, valX, valY, **setting)
        ce = fCE(np.asarray(valX, dtype=np.float64), valY, w)
        print(f"{setting}: validation CE {ce:.4f}, accuracy {accuracy(valX, valY, w):.2%}")
        if ce < best_ce:
            best, best_ce = setting, ce
    return dict(best)
