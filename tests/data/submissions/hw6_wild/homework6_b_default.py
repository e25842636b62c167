import numpy as np

NUM_HIDDEN = 40


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.flatten(), b1, W2.flatten(), b2])


def unpack(w):
    H = NUM_HIDDEN
    W1 = np.reshape(w[:H * 784], (H, 784))
    b1 = w[H * 784:H * 785]
    W2 = np.reshape(w[H * 785:H * 795], (10, H))
    b2 = w[H * 795:]
    return W1, b1, W2, b2


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    Z = W2.dot(np.maximum(W1.dot(X) + b1[:, None], 0)) + b2[:, None]
    Z = Z - Z.max(0)
    return np.mean(-np.sum(Y * (Z - np.log(np.exp(Z).sum(0))), 0))


def gradCE(X, Y, w, b=0.0001):
    # b is the lasso (L1) penalty
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, None]
    h1 = np.maximum(z1, 0)
    Z = W2.dot(h1) + b2[:, None]
    P = np.exp(Z - Z.max(0))
    P = P / P.sum(0)
    m = X.shape[1]
    G2 = (P - Y) / m
    G1 = W2.T.dot(G2) * (z1 > 0)
    return pack(G1.dot(X.T) + b * np.sign(W1), G1.sum(1), G2.dot(h1.T) + b * np.sign(W2), G2.sum(1))
