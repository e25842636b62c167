# CS 541 HW6 - keeping the weights in a dict is easier to read than one long vector
import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def unpack(w):
    return w["W1"], w["b1"], w["W2"], w["b2"]


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(W1 @ X + b1[:, None], 0)
    z2 = W2 @ h1 + b2[:, None]
    z2 -= z2.max(axis=0)
    yhat = np.exp(z2) / np.exp(z2).sum(axis=0)
    return -np.sum(Y * np.log(yhat)) / X.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]
    yhat = np.exp(z2 - z2.max(axis=0)) / np.exp(z2 - z2.max(axis=0)).sum(axis=0)
    g2 = (yhat - Y) / n
    g1 = (W2.T @ g2) * (z1 > 0)
    return {"W1": g1 @ X.T, "b1": g1.sum(1), "W2": g2 @ h1.T, "b2": g2.sum(1)}


if __name__ == "__main__":
    X = np.load("mnist_train_images.npy").T
    Y = np.load("mnist_train_labels.npy").T
    w = pack(np.random.randn(NUM_HIDDEN, NUM_INPUT) * 0.01, np.zeros(NUM_HIDDEN),
             np.random.randn(NUM_OUTPUT, NUM_HIDDEN) * 0.01, np.zeros(NUM_OUTPUT))
    print(fCE(X[:, :100], Y[:, :100], w))
