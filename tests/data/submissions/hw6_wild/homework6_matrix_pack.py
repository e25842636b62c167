# CS 541 HW6 -- all weights live in ONE matrix so I can see them with imshow.
# Rows 0..783: W1 (stored 784 x H, one column per hidden unit), row 784: b1,
# rows 785..794: W2 (10 x H), last row: b2 (first 10 entries, rest unused).
import numpy as np
import matplotlib.pyplot as plt

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
NUM_CHECK = 5


def pack(W1, b1, W2, b2):
    w = np.zeros((NUM_INPUT + 1 + NUM_OUTPUT + 1, NUM_HIDDEN))
    w[:NUM_INPUT, :] = W1
    w[NUM_INPUT, :] = b1
    w[NUM_INPUT + 1:NUM_INPUT + 1 + NUM_OUTPUT, :] = W2
    w[-1, :NUM_OUTPUT] = b2
    return w


def unpack(w):
    W1 = w[:NUM_INPUT, :]
    b1 = w[NUM_INPUT, :]
    W2 = w[NUM_INPUT + 1:NUM_INPUT + 1 + NUM_OUTPUT, :]
    b2 = w[-1, :NUM_OUTPUT]
    return W1, b1, W2, b2


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.T.dot(X) + b1.reshape(-1, 1)
    h1 = np.maximum(z1, 0)
    z2 = W2.dot(h1) + b2.reshape(-1, 1)
    z2 = z2 - z2.max(axis=0, keepdims=True)
    yhat = np.exp(z2) / np.exp(z2).sum(axis=0, keepdims=True)
    return z1, h1, yhat


def fCE(X, Y, w):
    _, _, yhat = forward(X, w)
    return -np.mean(np.sum(Y * np.log(yhat + 1e-12), axis=0))


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1, h1, yhat = forward(X, w)
    d2 = (yhat - Y) / n
    gW2 = d2.dot(h1.T)
    gb2 = d2.sum(axis=1)
    g = W2.T.dot(d2) * (z1 > 0)
    gW1 = X.dot(g.T)          # 784 x H, like W1 in my matrix
    gb1 = g.sum(axis=1)
    return pack(gW1, gb1, gW2, gb2)


def train(trainX, trainY, testX, testY, w, lr=0.1, batch=64, epochs=2, alpha=0.0):
    n = trainX.shape[1]
    for e in range(epochs):
        idx = np.random.permutation(n)
        for s in range(0, n, batch):
            b = idx[s:s + batch]
            W1, b1, W2, b2 = unpack(w)
            reg = pack(alpha * W1, 0 * b1, alpha * W2, 0 * b2)
            w = w - lr * (gradCE(trainX[:, b], trainY[:, b], w) + reg)
        print("epoch", e, fCE(testX, testY, w))
    return w


def init():
    W1 = np.random.randn(NUM_INPUT, NUM_HIDDEN) / NUM_INPUT ** 0.5
    W2 = np.random.randn(NUM_OUTPUT, NUM_HIDDEN) / NUM_HIDDEN ** 0.5
    return pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT))


def findBestHyperparameters(trainX, trainY, valX, valY):
    best, best_loss = None, 1e9
    for lr in (0.05, 0.1, 0.2):
        for batch in (32, 64, 128):
            for alpha in (0.0, 1e-4):
                w = train(trainX, trainY, valX, valY, init(), lr=lr, batch=batch, epochs=1, alpha=alpha)
                loss = fCE(valX, valY, w)
                if loss < best_loss:
                    best, best_loss = {"lr": lr, "batch": batch, "epochs": 1, "alpha": alpha}, loss
    return best


if __name__ == "__main__":
    trainX = np.load("fashion_mnist_train_images.npy").T / 255.0
    trainY = np.load("fashion_mnist_train_labels.npy").T
    w = init()
    plt.imshow(unpack(w)[0][:, 0].reshape(28, 28))
    plt.show()
