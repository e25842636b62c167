# HW6 -- full grid search (takes a few hours on my laptop, leave it running overnight)
import itertools
import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 50
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))


def unpack(w):
    H = (len(w) - NUM_OUTPUT) // (NUM_INPUT + NUM_OUTPUT + 1)
    W1 = w[:H * NUM_INPUT].reshape(H, NUM_INPUT)
    b1 = w[H * NUM_INPUT:H * NUM_INPUT + H]
    W2 = w[H * NUM_INPUT + H:H * NUM_INPUT + H + H * NUM_OUTPUT].reshape(NUM_OUTPUT, H)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]
    z2 = z2 - z2.max(0)
    return z1, h1, np.exp(z2) / np.exp(z2).sum(0)


def fCE(X, Y, w):
    return -np.sum(Y * np.log(forward(X, w)[2])) / X.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1, h1, yhat = forward(X, w)
    n = X.shape[1]
    g = W2.T @ (yhat - Y) * (z1 > 0)
    return pack(g @ X.T / n, g.sum(1) / n, (yhat - Y) @ h1.T / n, (yhat - Y).sum(1) / n)


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=10, alpha=0.0):
    W1 = np.random.randn(hidden, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, hidden) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for e in range(epochs):
        p = np.random.permutation(n)
        for s in range(0, n, batch):
            i = p[s:s + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, i], trainY[:, i], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
        print(f"  [h={hidden} lr={lr} bs={batch} a={alpha}] epoch {e + 1}/{epochs} val CE {fCE(valX, valY, w):.4f}")
    return w


def findBestHyperparameters(trainX, trainY, valX, valY):
    grid = itertools.product([30, 40, 50], [0.05, 0.1, 0.5], [16, 32], [0.0, 1e-4])
    results = []
    for hidden, lr, batch, alpha in grid:          # 36 settings x 20 epochs
        w = train(trainX, trainY, valX, valY, hidden=hidden, lr=lr, batch=batch, epochs=20, alpha=alpha)
        results.append((fCE(valX, valY, w), dict(hidden=hidden, lr=lr, batch=batch, epochs=20, alpha=alpha)))
    results.sort(key=lambda r: r[0])
    return results[0][1]


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    print(findBestHyperparameters(trainX, trainY, valX, valY))
