import numpy as np
import matplotlib
matplotlib.use("TkAgg")
import matplotlib.pyplot as plt

# HW6 -- written in 2019 (numpy 1.16). Works on my laptop!
NUM_INPUT = 784
NUM_HIDDEN = 50
NUM_OUTPUT = 10

def unpack(w):
    s1 = NUM_HIDDEN * NUM_INPUT
    W1 = np.reshape(w[:s1], (NUM_HIDDEN, NUM_INPUT))
    b1 = w[s1:s1 + NUM_HIDDEN]
    W2 = np.reshape(w[s1 + NUM_HIDDEN:s1 + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN], (NUM_OUTPUT, NUM_HIDDEN))
    b2 = w[s1 + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN:]
    return W1, b1, W2, b2

def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))

def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1.reshape(-1, 1)
    h1 = np.maximum(0, z1)
    z2 = W2.dot(h1) + b2.reshape(-1, 1)
    z2 = z2 - z2.max(axis=0)
    yhat = np.exp(z2) / np.sum(np.exp(z2), axis=0)
    return z1, h1, yhat

def fCE(X, Y, w):
    _, _, yhat = forward(X, w)
    loss = -np.sum(Y * np.log(yhat)) / X.shape[1]
    return np.asscalar(loss)

def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1, h1, yhat = forward(X, w)
    n = np.float(X.shape[1])
    gW2 = (yhat - Y).dot(h1.T) / n
    gb2 = np.sum(yhat - Y, axis=1) / n
    g = W2.T.dot(yhat - Y) * (z1 > 0).astype(np.float)
    gW1 = g.dot(X.T) / n
    gb1 = np.sum(g, axis=1) / n
    return pack(gW1, gb1, gW2, gb2)

def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=5, alpha=0.0):
    global NUM_HIDDEN
    NUM_HIDDEN = hidden
    W1 = np.random.randn(hidden, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, hidden) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for ep in range(epochs):
        order = np.random.permutation(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, idx], trainY[:, idx], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w

def findBestHyperparameters(trainX, trainY, valX, valY):
    bestAcc, best = 0., None
    for hidden in (30, 40, 50):
        for lr in (0.05, 0.1, 0.5):
            for batch in (32, 128):
                w = train(trainX, trainY, valX, valY, hidden, lr, batch, 2)
                _, _, yhat = forward(valX, w)
                acc = np.mean(yhat.argmax(0) == valY.argmax(0))
                if acc > bestAcc:
                    bestAcc, best = acc, dict(hidden=hidden, lr=lr, batch=batch, epochs=2, alpha=0.0)
    return best

if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    print(findBestHyperparameters(trainX, trainY, valX, valY))
