import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.hstack([W1.flatten(), b1, W2.flatten(), b2])


def unpack(w):
    i1 = NUM_HIDDEN * NUM_INPUT
    i2 = i1 + NUM_HIDDEN
    i3 = i2 + NUM_OUTPUT * NUM_HIDDEN
    return w[:i1].reshape(NUM_HIDDEN, NUM_INPUT), w[i1:i2], w[i2:i3].reshape(NUM_OUTPUT, NUM_HIDDEN), w[i3:]


def fCE(X, Y, w, alpha=0.1, beta=0.1):
    # alpha: L2 strength, beta: L1 strength (elastic net)
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(W1 @ X + b1.reshape(-1, 1), 0)
    z2 = W2 @ h1 + b2.reshape(-1, 1)
    yhat = np.exp(z2 - z2.max(axis=0)) / np.exp(z2 - z2.max(axis=0)).sum(axis=0)
    loss = -np.sum(Y * np.log(yhat)) / X.shape[1]
    return loss + alpha / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2)) + beta * (np.sum(np.abs(W1)) + np.sum(np.abs(W2)))


def gradCE(X, Y, w, alpha=0.1, beta=0.1):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1 = W1 @ X + b1.reshape(-1, 1)
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2.reshape(-1, 1)
    yhat = np.exp(z2 - z2.max(axis=0)) / np.exp(z2 - z2.max(axis=0)).sum(axis=0)
    dz2 = (yhat - Y) / n
    dz1 = W2.T @ dz2 * (z1 > 0)
    dW1 = dz1 @ X.T + alpha * W1 + beta * np.sign(W1)
    dW2 = dz2 @ h1.T + alpha * W2 + beta * np.sign(W2)
    return pack(dW1, dz1.sum(axis=1), dW2, dz2.sum(axis=1))
