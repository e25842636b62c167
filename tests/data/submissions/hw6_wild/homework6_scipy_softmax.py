# HW 6
import numpy as np
from scipy.special import softmax
from sklearn.metrics import accuracy_score

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10

def unpack(w):
    W1 = w[:NUM_INPUT * NUM_HIDDEN].reshape((NUM_HIDDEN, NUM_INPUT))
    b1 = w[NUM_INPUT * NUM_HIDDEN:NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN]
    W2 = w[NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN:NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN].reshape((NUM_OUTPUT, NUM_HIDDEN))
    b2 = w[NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN:]
    return W1, b1, W2, b2

def pack(W1, b1, W2, b2):
    return np.concatenate((W1.reshape(-1), b1, W2.reshape(-1), b2))

def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(0, W1 @ X + b1.reshape(-1, 1))
    yhat = softmax(W2 @ h1 + b2.reshape(-1, 1))
    return -np.sum(Y * np.log(yhat)) / X.shape[1]

def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1.reshape(-1, 1)
    h1 = np.maximum(0, z1)
    yhat = softmax(W2 @ h1 + b2.reshape(-1, 1))
    n = X.shape[1]
    gW2 = (yhat - Y) @ h1.T / n
    gb2 = np.mean(yhat - Y, axis=1)
    g = (W2.T @ (yhat - Y)) * (z1 > 0)
    gW1 = g @ X.T / n
    gb1 = np.mean(g, axis=1)
    return pack(gW1, gb1, gW2, gb2)

def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=2, alpha=0.0):
    W1 = np.random.randn(hidden, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, hidden) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    for e in range(epochs):
        order = np.random.permutation(trainX.shape[1])
        for i in range(0, trainX.shape[1], batch):
            b = order[i:i + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, b], trainY[:, b], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w

def findBestHyperparameters(trainX, trainY, valX, valY):
    best, best_acc = {}, -1
    for hidden in [30, 40, 50]:
        for lr in [0.05, 0.1, 0.5, 0.01]:
            w = train(trainX, trainY, valX, valY, hidden=hidden, lr=lr, batch=64, epochs=1)
            W1, b1, W2, b2 = unpack(w)
            pred = np.argmax(W2 @ np.maximum(0, W1 @ valX + b1[:, None]) + b2[:, None], axis=0)
            acc = accuracy_score(np.argmax(valY, axis=0), pred)
            if acc > best_acc:
                best, best_acc = {"hidden": hidden, "lr": lr, "batch": 64, "epochs": 1}, acc
    return best

if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    print(findBestHyperparameters(trainX, trainY, valX, valY))
