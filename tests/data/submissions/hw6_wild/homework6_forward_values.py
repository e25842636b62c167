import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def unpack(w):
    W1 = w[:NUM_INPUT * NUM_HIDDEN].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[NUM_INPUT * NUM_HIDDEN:NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN]
    W2 = w[NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN:-NUM_OUTPUT].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))


def fCE(X, Y, w):
    # returns the intermediate values too, gradCE needs them
    W1, b1, W2, b2 = unpack(w)
    z1 = np.dot(W1, X) + b1[:, np.newaxis]
    h1 = np.maximum(z1, 0)
    z2 = np.dot(W2, h1) + b2[:, np.newaxis]
    exp = np.exp(z2 - np.max(z2, axis=0))
    yhat = exp / np.sum(exp, axis=0)
    cost = -np.mean(np.sum(Y * np.log(yhat), axis=0))
    return z1, h1, cost, yhat


def gradCE(X, Y, z1, h1, yhat, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    dW2 = np.dot(yhat - Y, h1.T) / n
    db2 = np.mean(yhat - Y, axis=1)
    g = np.dot(W2.T, yhat - Y) * (z1 > 0)
    dW1 = np.dot(g, X.T) / n
    db1 = np.mean(g, axis=1)
    return pack(dW1, db1, dW2, db2)


def train(trainX, trainY, testX, testY, w, lr=0.1, batch=64, epochs=2, alpha=0.0):
    for e in range(epochs):
        order = np.random.permutation(trainX.shape[1])
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            z1, h1, cost, yhat = fCE(trainX[:, idx], trainY[:, idx], w)
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, idx], trainY[:, idx], z1, h1, yhat, w) +
                          alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w
