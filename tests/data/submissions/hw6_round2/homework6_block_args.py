#!/usr/bin/env python3
# Homework 6, Problem 1: SGD for a 3-layer network.
# fCE and gradCE take the weight matrices directly, it was easier to debug than
# slicing a long vector everywhere. pack/unpack are only for check_grad.
import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10

# filled by fCE, handy for printing in the notebook
last = {"loss": None, "acc": None}


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()))


def unpack(w):
    start = 0
    W1 = w[start:start + NUM_HIDDEN * NUM_INPUT].reshape(NUM_HIDDEN, NUM_INPUT)
    start += NUM_HIDDEN * NUM_INPUT
    b1 = w[start:start + NUM_HIDDEN]
    start += NUM_HIDDEN
    W2 = w[start:start + NUM_OUTPUT * NUM_HIDDEN].reshape(NUM_OUTPUT, NUM_HIDDEN)
    start += NUM_OUTPUT * NUM_HIDDEN
    b2 = w[start:]
    return W1, b1, W2, b2


def _forward(X, W1, b1, W2, b2):
    z1 = np.dot(W1, X) + b1[:, np.newaxis]
    h1 = np.maximum(z1, 0)
    z2 = np.dot(W2, h1) + b2[:, np.newaxis]
    z2 = z2 - np.max(z2, axis=0, keepdims=True)
    yhat = np.exp(z2) / np.sum(np.exp(z2), axis=0, keepdims=True)
    return z1, h1, yhat


def fCE(X, Y, W1, b1, W2, b2):
    _, _, yhat = _forward(X, W1, b1, W2, b2)
    loss = -np.sum(Y * np.log(yhat)) / X.shape[1]
    last["loss"] = loss
    last["acc"] = np.mean(np.argmax(yhat, 0) == np.argmax(Y, 0))
    return loss


def gradCE(X, Y, W1, b1, W2, b2):
    z1, h1, yhat = _forward(X, W1, b1, W2, b2)
    n = X.shape[1]
    dz2 = (yhat - Y) / n
    dW2 = np.dot(dz2, h1.T)
    db2 = np.sum(dz2, axis=1)
    dz1 = np.dot(W2.T, dz2) * (z1 > 0)
    dW1 = np.dot(dz1, X.T)
    db1 = np.sum(dz1, axis=1)
    return dW1, db1, dW2, db2


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=3, alpha=0.0):
    rng = np.random.default_rng(0)
    W1 = rng.normal(0, 1 / np.sqrt(NUM_INPUT), (hidden, NUM_INPUT))
    W2 = rng.normal(0, 1 / np.sqrt(hidden), (NUM_OUTPUT, hidden))
    b1, b2 = np.zeros(hidden), np.zeros(NUM_OUTPUT)
    n = trainX.shape[1]
    for epoch in range(epochs):
        perm = rng.permutation(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            dW1, db1, dW2, db2 = gradCE(trainX[:, idx], trainY[:, idx], W1, b1, W2, b2)
            W1 -= lr * (dW1 + alpha * W1)
            b1 -= lr * db1
            W2 -= lr * (dW2 + alpha * W2)
            b2 -= lr * db2
        fCE(valX, valY, W1, b1, W2, b2)
        print("epoch %d: val loss %.4f acc %.3f" % (epoch, last["loss"], last["acc"]))
    return pack(W1, b1, W2, b2)


if __name__ == "__main__":
    from scipy.optimize import check_grad
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    w = train(trainX, trainY, valX, valY)
