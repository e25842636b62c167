import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

# X as columns (784, n) but Y as rows (n, 10); hyperparameters first in train;
# fCE and gradCE take a required regularisation argument.
NUM_INPUT = 784
NUM_HIDDEN = 30
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()))


def unpack(w):
    a = NUM_HIDDEN * NUM_INPUT
    W1 = w[:a].reshape((NUM_HIDDEN, NUM_INPUT))
    b1 = w[a:a + NUM_HIDDEN]
    W2 = w[a + NUM_HIDDEN:a + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN].reshape((NUM_OUTPUT, NUM_HIDDEN))
    b2 = w[a + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN:]
    return W1, b1, W2, b2


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(0, z1)
    z2 = (W2 @ h1 + b2[:, None]).T          # (n, 10)
    z2 -= z2.max(axis=1, keepdims=True)
    yhat = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    return z1, h1, yhat


def fCE(X, Y, w, alpha):
    W1, b1, W2, b2 = unpack(w)
    _, _, yhat = forward(X, w)
    return -np.sum(Y * np.log(yhat)) / X.shape[1] + alpha / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def gradCE(X, Y, w, alpha):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1, h1, yhat = forward(X, w)
    d = (yhat - Y).T / n                     # (10, n)
    g = (W2.T @ d) * (z1 > 0)
    return pack(g @ X.T + alpha * W1, g.sum(axis=1), d @ h1.T + alpha * W2, d.sum(axis=1))


def train(learning_rate, batch_size, num_epochs, X_tr, y_tr, X_val, y_val, alpha=0.0):
    global NUM_HIDDEN
    rng = np.random.default_rng(0)
    W1 = rng.uniform(-1, 1, (NUM_HIDDEN, NUM_INPUT)) / np.sqrt(NUM_INPUT)
    W2 = rng.uniform(-1, 1, (NUM_OUTPUT, NUM_HIDDEN)) / np.sqrt(NUM_HIDDEN)
    w = pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT))
    n = X_tr.shape[1]
    for _ in range(num_epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch_size):
            i = order[s:s + batch_size]
            w = w - learning_rate * gradCE(X_tr[:, i], y_tr[i], w, alpha)
    _, _, yhat = forward(X_val, w)
    print(pd.Series({"val acc": accuracy_score(y_val.argmax(1), yhat.argmax(1))}))
    return w


def findBestHyperparameters(X_tr, y_tr, X_val, y_val):
    results = []
    for lr in (0.05, 0.1, 0.3):
        w = train(lr, 64, 1, X_tr, y_tr, X_val, y_val)
        results.append((fCE(X_val, y_val, w, 0.0), lr))
    loss, lr = min(results)
    return {"learning_rate": lr, "batch_size": 64, "num_epochs": 1}
