import numpy as np

NUM_INPUT, NUM_HIDDEN, NUM_OUTPUT = 784, 40, 10
cache = {}   # fCE stores the forward pass here so gradCE can reuse it


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.flatten(), b1, W2.flatten(), b2])


def unpack(w):
    s1 = NUM_HIDDEN * NUM_INPUT
    s2 = s1 + NUM_HIDDEN
    s3 = s2 + NUM_OUTPUT * NUM_HIDDEN
    return w[:s1].reshape(NUM_HIDDEN, NUM_INPUT), w[s1:s2], w[s2:s3].reshape(NUM_OUTPUT, NUM_HIDDEN), w[s3:]


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    cache["z1"] = W1 @ X + b1[:, None]
    cache["h1"] = np.maximum(cache["z1"], 0)
    z2 = W2 @ cache["h1"] + b2[:, None]
    z2 -= z2.max(axis=0)
    cache["yhat"] = np.exp(z2) / np.exp(z2).sum(axis=0)
    return -np.mean(np.sum(Y * np.log(cache["yhat"]), axis=0))


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    err = cache["yhat"] - Y
    g = (W2.T @ err) * (cache["z1"] > 0)
    return pack(g @ X.T, g.sum(1) / n, err @ cache["h1"].T, err.sum(1) / n)
