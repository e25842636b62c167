# HW6 -- cs541
# Regularization strength as a global so I can change it in one place for the
# whole file (fCE, gradCE and train all use it).
import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
NUM_CHECK = 5
ALPHA = 0.01  # L2 strength


def pack(W1, b1, W2, b2):
    return np.hstack([W1.flatten(), b1, W2.flatten(), b2])


def unpack(w):
    a = NUM_HIDDEN * NUM_INPUT
    b = a + NUM_HIDDEN
    c = b + NUM_OUTPUT * NUM_HIDDEN
    return w[:a].reshape(NUM_HIDDEN, NUM_INPUT), w[a:b], w[b:c].reshape(NUM_OUTPUT, NUM_HIDDEN), w[c:]


def l2_penalty(W1, W2):
    return ALPHA / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(0, W1 @ X + b1[:, None])
    z2 = W2 @ h1 + b2[:, None]
    z2 = z2 - z2.max(0)
    log_yhat = z2 - np.log(np.sum(np.exp(z2), 0))
    return -np.mean(np.sum(Y * log_yhat, 0)) + l2_penalty(W1, W2)


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(0, z1)
    z2 = W2 @ h1 + b2[:, None]
    yhat = np.exp(z2 - z2.max(0))
    yhat = yhat / yhat.sum(0)
    n = X.shape[1]
    d = (yhat - Y) / n
    g = (W2.T @ d) * (z1 > 0)
    return pack(g @ X.T + ALPHA * W1, g.sum(1), d @ h1.T + ALPHA * W2, d.sum(1))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=3, alpha=0.0):
    W1 = np.random.randn(hidden, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, hidden) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    for epoch in range(epochs):
        idx = np.random.permutation(trainX.shape[1])
        for i in range(0, len(idx), batch):
            b = idx[i:i + batch]
            w = w - lr * gradCE(trainX[:, b], trainY[:, b], w)  # ALPHA already in gradCE
    return w


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    w = train(trainX, trainY, valX, valY)
    print("val loss", fCE(valX, valY, w))
