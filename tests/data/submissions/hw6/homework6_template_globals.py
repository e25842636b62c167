import numpy as np
import matplotlib.pyplot as plt
import scipy.optimize

# The course template of an earlier year: hyperparameters as module globals,
# train(trainX, trainY, testX, testY, w), fCE returning a tuple, and the
# whole experiment at module level (no __main__ guard).
NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
NUM_CHECK = 5
NUM_EPOCHS = 1
BATCH_SIZE = 64
LEARNING_RATE = 0.1
ALPHA = 0.0


def unpack(w):
    W1 = np.reshape(w[:NUM_INPUT * NUM_HIDDEN], (NUM_HIDDEN, NUM_INPUT))
    b1 = w[NUM_INPUT * NUM_HIDDEN:NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN]
    W2 = np.reshape(w[NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN:NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN + NUM_HIDDEN * NUM_OUTPUT], (NUM_OUTPUT, NUM_HIDDEN))
    b2 = w[NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN + NUM_HIDDEN * NUM_OUTPUT:]
    return W1, b1, W2, b2


def pack(W1, b1, W2, b2):
    return np.hstack((W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()))


def loadData(which):
    images = np.load("mnist_{}_images.npy".format(which)).T
    labels = np.load("mnist_{}_labels.npy".format(which)).T
    return images, labels


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = np.dot(W1, X) + np.atleast_2d(b1).T
    h1 = np.maximum(z1, 0)
    z2 = np.dot(W2, h1) + np.atleast_2d(b2).T
    z2 = z2 - np.max(z2, axis=0)
    yhat = np.exp(z2) / np.sum(np.exp(z2), axis=0)
    cost = -np.mean(np.sum(Y * np.log(yhat), axis=0))
    acc = np.mean(np.argmax(yhat, axis=0) == np.argmax(Y, axis=0))
    return cost, acc, z1, h1, W1, W2, yhat


def gradCE(X, Y, w):
    cost, acc, z1, h1, W1, W2, yhat = fCE(X, Y, w)
    n = X.shape[1]
    gW2 = np.dot(yhat - Y, h1.T) / n
    gb2 = np.mean(yhat - Y, axis=1)
    gT = np.dot((yhat - Y).T, W2) * (z1.T > 0)
    gW1 = np.dot(gT.T, X.T) / n
    gb1 = np.mean(gT.T, axis=1)
    return pack(gW1, gb1, gW2, gb2)


def train(trainX, trainY, testX, testY, w):
    n = trainX.shape[1]
    for e in range(NUM_EPOCHS):
        order = np.random.permutation(n)
        for i in range(0, n, BATCH_SIZE):
            idx = order[i:i + BATCH_SIZE]
            W1, b1, W2, b2 = unpack(w)
            grad = gradCE(trainX[:, idx], trainY[:, idx], w)
            reg = pack(ALPHA * W1, 0 * b1, ALPHA * W2, 0 * b2)
            w = w - LEARNING_RATE * (grad + reg)
        print("Epoch", e, "test CE", fCE(testX, testY, w)[0])
    return w


def findBestHyperparameters(trainX, trainY, testX, testY):
    global NUM_EPOCHS, BATCH_SIZE, LEARNING_RATE, ALPHA
    best = {}
    bestAcc = 0
    for lr in [0.01, 0.05, 0.1, 0.5, 0.005]:
        for bs in [32, 128]:
            NUM_EPOCHS, BATCH_SIZE, LEARNING_RATE, ALPHA = 1, bs, lr, 0.0
            W1 = 2 * (np.random.random(size=(NUM_HIDDEN, NUM_INPUT)) / NUM_INPUT ** 0.5) - 1. / NUM_INPUT ** 0.5
            W2 = 2 * (np.random.random(size=(NUM_OUTPUT, NUM_HIDDEN)) / NUM_HIDDEN ** 0.5) - 1. / NUM_HIDDEN ** 0.5
            w = pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT))
            w = train(trainX, trainY, testX, testY, w)
            acc = fCE(testX, testY, w)[1]
            if acc > bestAcc:
                bestAcc = acc
                best = {"LEARNING_RATE": lr, "BATCH_SIZE": bs}
    return best


# Load data
trainX, trainY = loadData("train")
valX, valY = loadData("validation")
testX, testY = loadData("test")
print(scipy.optimize.check_grad(lambda w_: fCE(valX[:, :NUM_CHECK], valY[:, :NUM_CHECK], w_)[0],
                                lambda w_: gradCE(valX[:, :NUM_CHECK], valY[:, :NUM_CHECK], w_),
                                np.random.randn(NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN + NUM_HIDDEN * NUM_OUTPUT + NUM_OUTPUT)))
params = findBestHyperparameters(trainX, trainY, valX, valY)
plt.plot([1, 2, 3])
plt.show()
