# examples are rows: x (n, 784), y (n, 10)
import numpy as np

HIDDEN = 40


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.reshape(-1), b1, W2.reshape(-1), b2))


def unpack(w):
    W1 = w[:784 * HIDDEN].reshape(784, HIDDEN)
    b1 = w[784 * HIDDEN:785 * HIDDEN]
    W2 = w[785 * HIDDEN:795 * HIDDEN].reshape(HIDDEN, 10)
    b2 = w[795 * HIDDEN:]
    return W1, b1, W2, b2


def fCE(x, y, w):
    W1, b1, W2, b2 = unpack(w)
    z = x @ W1 + b1
    h = np.maximum(z, 0)
    o = h @ W2 + b2
    o = o - o.max(axis=1, keepdims=True)
    yhat = np.exp(o) / np.exp(o).sum(axis=1, keepdims=True)
    loss = -np.sum(y * np.log(yhat)) / len(x)
    return loss, yhat, h, z


def gradCE(x, y, w, z, h, yhat):
    W1, b1, W2, b2 = unpack(w)
    n = len(x)
    d = (yhat - y) / n
    dz = (d @ W2.T) * (z > 0)
    return pack(x.T @ dz, dz.sum(0), h.T @ d, d.sum(0))
