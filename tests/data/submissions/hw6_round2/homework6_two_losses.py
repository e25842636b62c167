"""HW6 -- neural network with one hidden layer.

I kept two versions of the cost while debugging: J is the loop-free one and
cost() the first version I wrote. gradCE is from the template.
"""
import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.ravel(), b1, W2.ravel(), b2))


def unpack(w):
    s1 = NUM_HIDDEN * NUM_INPUT
    s2 = s1 + NUM_HIDDEN
    s3 = s2 + NUM_HIDDEN * NUM_OUTPUT
    return (w[:s1].reshape((NUM_HIDDEN, NUM_INPUT)), w[s1:s2], w[s2:s3].reshape((NUM_OUTPUT, NUM_HIDDEN)),
            w[s3:])


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1.reshape(-1, 1)
    h1 = np.maximum(0, z1)
    z2 = W2.dot(h1) + b2.reshape(-1, 1)
    z2 = z2 - z2.max(axis=0)
    yhat = np.exp(z2) / np.exp(z2).sum(axis=0)
    return z1, h1, yhat


def J(X, Y, w):
    yhat = forward(X, w)[2]
    return -np.mean(np.sum(Y * np.log(yhat), axis=0))


def cost(X, Y, w):
    # first version, slow
    yhat = forward(X, w)[2]
    total = 0.0
    for i in range(X.shape[1]):
        total -= np.dot(Y[:, i], np.log(yhat[:, i]))
    return total / X.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1, h1, yhat = forward(X, w)
    n = X.shape[1]
    e = (yhat - Y) / n
    g = W2.T.dot(e) * (z1 > 0)
    return pack(g.dot(X.T), g.sum(axis=1), e.dot(h1.T), e.sum(axis=1))


if __name__ == "__main__":
    X = np.load("mnist_validation_images.npy").T
    Y = np.load("mnist_validation_labels.npy").T
    w = np.random.randn(NUM_HIDDEN * 795 + 10) * 0.01
    print(J(X[:, :10], Y[:, :10], w), cost(X[:, :10], Y[:, :10], w))
