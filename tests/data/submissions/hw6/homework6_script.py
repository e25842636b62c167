import sys
import numpy as np
import scipy
import pandas as pd
import sklearn
import matplotlib.pyplot as plt

# Everything at module level: data from an absolute path, sys.argv, a whole
# training run, a plot shown and a results file written. The functions are
# correct.
NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10

def unpack(w):
    W1 = w[0:NUM_HIDDEN * NUM_INPUT].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[NUM_HIDDEN * NUM_INPUT:NUM_HIDDEN * NUM_INPUT + NUM_HIDDEN]
    W2 = w[NUM_HIDDEN * NUM_INPUT + NUM_HIDDEN:-NUM_OUTPUT].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2

def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))

def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(W1 @ X + b1[:, np.newaxis], 0)
    z2 = W2 @ h1 + b2[:, np.newaxis]
    logp = z2 - z2.max(0) - np.log(np.exp(z2 - z2.max(0)).sum(0))
    return -np.sum(Y * logp) / X.shape[1]

def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, np.newaxis]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, np.newaxis]
    yhat = np.exp(z2 - z2.max(0)); yhat /= yhat.sum(0)
    n = X.shape[1]
    g = (W2.T @ (yhat - Y)) * (z1 > 0)
    return pack(g @ X.T / n, g.mean(1), (yhat - Y) @ h1.T / n, (yhat - Y).mean(1))

def train(trainX, trainY, testX, testY, w, lr=0.1, batch_size=64, epochs=1, alpha=0.0):
    for e in range(epochs):
        p = np.random.permutation(trainX.shape[1])
        for k in range(0, len(p), batch_size):
            i = p[k:k + batch_size]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, i], trainY[:, i], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w

def findBestHyperparameters(trainX, trainY, testX, testY):
    best = None
    for lr in (0.1, 0.2):
        w0 = np.random.randn(NUM_HIDDEN * NUM_INPUT + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN + NUM_OUTPUT) * 0.05
        w = train(trainX, trainY, testX, testY, w0, lr=lr)
        ce = fCE(testX, testY, w)
        if best is None or ce < best[0]:
            best = (ce, {"lr": lr})
    return best[1]

path = sys.argv[1] if len(sys.argv) > 1 else "/home/jsmith/cs541/hw6/"
trainX = np.load(path + "mnist_train_images.npy").T
trainY = np.load(path + "mnist_train_labels.npy").T
testX = np.load(path + "mnist_test_images.npy").T
testY = np.load(path + "mnist_test_labels.npy").T
w = train(trainX, trainY, testX, testY, np.random.randn(31810) * 0.05, epochs=30)
plt.plot(w); plt.show()
np.save("weights.npy", w)
