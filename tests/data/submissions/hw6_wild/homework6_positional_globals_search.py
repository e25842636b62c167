#!/usr/bin/env python
# Homework 6, CS541.  run as:  python homework6_positional_globals_search.py /path/to/data/
import sys
import numpy as np
import scipy.optimize
import matplotlib.pyplot as plt

NUM_INPUT = 784  # Number of input neurons
NUM_HIDDEN = 40  # Number of hidden neurons
NUM_OUTPUT = 10  # Number of output neurons
NUM_CHECK = 5  # Number of examples on which to check the gradient

DATA = sys.argv[1]

def unpack (w):
    W1 = w[:NUM_HIDDEN*NUM_INPUT].reshape(NUM_HIDDEN, NUM_INPUT)
    w = w[NUM_HIDDEN*NUM_INPUT:]
    b1 = w[:NUM_HIDDEN]
    w = w[NUM_HIDDEN:]
    W2 = w[:NUM_OUTPUT*NUM_HIDDEN].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[NUM_OUTPUT*NUM_HIDDEN:]
    return W1, b1, W2, b2

def pack (W1, b1, W2, b2):
    return np.append(np.append(np.append(W1.flatten(), b1), W2.flatten()), b2)

def loadData (which):
    images = np.load(DATA + "mnist_{}_images.npy".format(which)).T
    labels = np.load(DATA + "mnist_{}_labels.npy".format(which)).T
    return images, labels

def fCE (X, Y, w, alpha=0.01):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, np.newaxis]
    h1 = z1 * (z1 > 0)
    z2 = W2.dot(h1) + b2[:, np.newaxis]
    ex = np.exp(z2 - np.max(z2, axis=0))
    yhat = ex / ex.sum(axis=0)
    return -np.sum(Y * np.log(yhat)) / X.shape[1] + alpha / 2 * (np.sum(W1**2) + np.sum(W2**2))

def gradCE (X, Y, w, alpha=0.01):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, np.newaxis]
    h1 = z1 * (z1 > 0)
    z2 = W2.dot(h1) + b2[:, np.newaxis]
    ex = np.exp(z2 - np.max(z2, axis=0))
    yhat = ex / ex.sum(axis=0)
    n = X.shape[1]
    gW2 = (yhat - Y).dot(h1.T) / n + alpha * W2
    gb2 = np.sum(yhat - Y, axis=1) / n
    gT = (yhat - Y).T.dot(W2) * (z1.T > 0)
    gW1 = gT.T.dot(X.T) / n + alpha * W1
    gb1 = np.sum(gT.T, axis=1) / n
    return pack(gW1, gb1, gW2, gb2)

def train (trainX, trainY, testX, testY, w, numEpochs, batchSize, epsilon, alpha):
    n = trainX.shape[1]
    for e in range(numEpochs):
        p = np.random.permutation(n)
        for r in range(int(np.ceil(n / batchSize))):
            idx = p[r*batchSize:(r+1)*batchSize]
            w = w - epsilon * gradCE(trainX[:, idx], trainY[:, idx], w, alpha)
        print("epoch", e, "CE", fCE(testX, testY, w, 0))
    return w

def initWeights():
    W1 = 2*(np.random.random(size=(NUM_HIDDEN, NUM_INPUT))/NUM_INPUT**0.5) - 1./NUM_INPUT**0.5
    b1 = 0.01 * np.ones(NUM_HIDDEN)
    W2 = 2*(np.random.random(size=(NUM_OUTPUT, NUM_HIDDEN))/NUM_HIDDEN**0.5) - 1./NUM_HIDDEN**0.5
    b2 = 0.01 * np.ones(NUM_OUTPUT)
    return pack(W1, b1, W2, b2)

def findBestHyperParameters():
    best = None
    for numEpochs in [1, 2]:
        for batchSize in [32, 64]:
            for epsilon in [0.05, 0.1, 0.2]:
                w = train(trainX, trainY, valX, valY, initWeights(), numEpochs, batchSize, epsilon, 0.0001)
                ce = fCE(valX, valY, w, 0)
                if best is None or ce < best[0]:
                    best = (ce, numEpochs, batchSize, epsilon)
    print("best", best)
    return {"numEpochs": best[1], "batchSize": best[2], "epsilon": best[3], "alpha": 0.0001}

# Load data
trainX, trainY = loadData("train")
valX, valY = loadData("validation")
testX, testY = loadData("test")

w = initWeights()
idxs = np.random.permutation(trainX.shape[1])[0:NUM_CHECK]
print("check_grad:", scipy.optimize.check_grad(lambda w_: fCE(trainX[:, idxs], trainY[:, idxs], w_),
                                               lambda w_: gradCE(trainX[:, idxs], trainY[:, idxs], w_), w))
params = findBestHyperParameters()
w = train(trainX, trainY, testX, testY, initWeights(), params["numEpochs"], params["batchSize"], params["epsilon"], params["alpha"])
print("test CE", fCE(testX, testY, w, 0))
np.save("best_weights.npy", w)
plt.plot(w[:100])
plt.show()
