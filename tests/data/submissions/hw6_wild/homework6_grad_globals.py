import numpy as np
import scipy.optimize

# Template style: hyperparameters as globals, fCE caches the forward pass in
# globals so gradCE does not have to redo it.
NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
NUM_CHECK = 5
LEARNING_RATE = 0.1
BATCH_SIZE = 64
NUM_EPOCHS = 2
REG = 0.0

z1 = h1 = yhat = None


def unpack(w):
    W1 = w[:NUM_HIDDEN * NUM_INPUT].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[NUM_HIDDEN * NUM_INPUT:NUM_HIDDEN * (NUM_INPUT + 1)]
    W2 = w[NUM_HIDDEN * (NUM_INPUT + 1):NUM_HIDDEN * (NUM_INPUT + 1 + NUM_OUTPUT)].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[NUM_HIDDEN * (NUM_INPUT + 1 + NUM_OUTPUT):]
    return W1, b1, W2, b2


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))


def fCE(X, Y, w):
    global z1, h1, yhat
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2.dot(h1) + b2[:, None]
    e = np.exp(z2 - z2.max(axis=0))
    yhat = e / e.sum(axis=0)
    return -np.sum(Y * np.log(yhat)) / X.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    gW2 = (yhat - Y).dot(h1.T) / n
    gb2 = (yhat - Y).mean(axis=1)
    g = W2.T.dot(yhat - Y) * (z1 > 0)
    return pack(g.dot(X.T) / n, g.mean(axis=1), gW2, gb2)


def train(trainX, trainY, testX, testY, w):
    n = trainX.shape[1]
    for epoch in range(NUM_EPOCHS):
        order = np.random.permutation(n)
        for s in range(0, n, BATCH_SIZE):
            idx = order[s:s + BATCH_SIZE]
            fCE(trainX[:, idx], trainY[:, idx], w)
            W1, b1, W2, b2 = unpack(w)
            w = w - LEARNING_RATE * (gradCE(trainX[:, idx], trainY[:, idx], w) + REG * pack(W1, 0 * b1, W2, 0 * b2))
        print("epoch", epoch, "loss", fCE(testX, testY, w))
    return w


def initWeights():
    W1 = np.random.randn(NUM_HIDDEN, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, NUM_HIDDEN) / np.sqrt(NUM_HIDDEN)
    return pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT))


def findBestHyperparameters(trainX, trainY, valX, valY):
    global LEARNING_RATE, BATCH_SIZE, NUM_EPOCHS, REG
    best, best_loss = None, np.inf
    for LEARNING_RATE in (0.05, 0.1, 0.3):
        for BATCH_SIZE in (64, 128):
            for REG in (0.0, 0.001):
                NUM_EPOCHS = 1
                w = train(trainX, trainY, valX, valY, initWeights())
                loss = fCE(valX, valY, w)
                if loss < best_loss:
                    best_loss = loss
                    best = {"LEARNING_RATE": LEARNING_RATE, "BATCH_SIZE": BATCH_SIZE, "NUM_EPOCHS": 1, "REG": REG}
    return best


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    w = initWeights()
    print(scipy.optimize.check_grad(lambda w_: fCE(trainX[:, :5], trainY[:, :5], w_),
                                    lambda w_: gradCE(trainX[:, :5], trainY[:, :5], w_), w))
    print(findBestHyperparameters(trainX, trainY, valX, valY))
