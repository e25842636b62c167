"""HW6 -- examples are ROWS (X is n x 784). Weights: one H x 796 array,
[ W1 | b1 | W2^T | b2 (first 10 rows) ] side by side."""
import numpy as np

NUM_HIDDEN = 40


def pack(W1, b1, W2, b2):
    H = W1.shape[0]
    b2col = np.zeros(H)
    b2col[:10] = b2
    return np.hstack([W1, b1.reshape(H, 1), W2.T, b2col.reshape(H, 1)])


def unpack(w):
    W1 = w[:, :784]
    b1 = w[:, 784]
    W2 = w[:, 785:795].T
    b2 = w[:10, 795]
    return W1, b1, W2, b2


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h = np.maximum(X @ W1.T + b1, 0)
    s = h @ W2.T + b2
    s -= s.max(axis=1, keepdims=True)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return -np.mean(np.sum(Y * logp, axis=1))


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[0]
    z = X @ W1.T + b1
    h = np.maximum(z, 0)
    s = h @ W2.T + b2
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    d = (p - Y) / n
    dh = d @ W2 * (z > 0)
    return pack(dh.T @ X, dh.sum(0), d.T @ h, d.sum(0))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=2, alpha=0.0):
    W1 = np.random.randn(hidden, 784) / 28.0
    W2 = np.random.randn(10, hidden) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(10))
    for _ in range(epochs):
        perm = np.random.permutation(len(trainX))
        for i in range(0, len(trainX), batch):
            j = perm[i:i + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[j], trainY[j], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w


def findBestHyperparameters(trainX, trainY, valX, valY):
    best = None
    for hidden in (30, 40):
        for lr in (0.05, 0.1, 0.3):
            for batch in (64, 128):
                w = train(trainX, trainY, valX, valY, hidden, lr, batch, 1)
                loss = fCE(valX, valY, w)
                if best is None or loss < best[0]:
                    best = (loss, dict(hidden=hidden, lr=lr, batch=batch, epochs=1))
    return best[1]
