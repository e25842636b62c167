import numpy as np

NUM_HIDDEN = 40


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()))


def unpack(w):
    H = NUM_HIDDEN
    return (w[:784 * H].reshape(H, 784), w[784 * H:785 * H], w[785 * H:795 * H].reshape(10, H), w[795 * H:])


def fCE(X, Y, w, l1, l2):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(0, W1 @ X + b1[:, None])
    z2 = W2 @ h1 + b2[:, None]
    yhat = np.exp(z2 - z2.max(0)) / np.sum(np.exp(z2 - z2.max(0)), 0)
    ce = -np.sum(Y * np.log(yhat)) / X.shape[1]
    return ce + l1 * (np.abs(W1).sum() + np.abs(W2).sum()) + l2 / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))


def gradCE(X, Y, w, l1, l2):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(0, z1)
    z2 = W2 @ h1 + b2[:, None]
    yhat = np.exp(z2 - z2.max(0)) / np.sum(np.exp(z2 - z2.max(0)), 0)
    d2 = (yhat - Y) / n
    d1 = (W2.T @ d2) * (z1 > 0)
    gW1 = d1 @ X.T + l1 * np.sign(W1) + l2 * W1
    gW2 = d2 @ h1.T + l1 * np.sign(W2) + l2 * W2
    return pack(gW1, d1.sum(1), gW2, d2.sum(1))


def train(trainX, trainY, testX, testY, w, lr=0.1, batch=64, epochs=2, l1=0.0, l2=0.0):
    for _ in range(epochs):
        for i in range(0, trainX.shape[1], batch):
            w = w - lr * gradCE(trainX[:, i:i + batch], trainY[:, i:i + batch], w, l1, l2)
    return w
