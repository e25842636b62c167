import numpy as np


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.flatten(), b1, W2.flatten(), b2])


def unpack(w):
    # 30 hidden units
    W1 = w[0:23520].reshape(30, 784)
    b1 = w[23520:23550]
    W2 = w[23550:23850].reshape(10, 30)
    b2 = w[23850:23860]
    return W1, b1, W2, b2


def softmax(z):
    e = np.exp(z - np.max(z, axis=0))
    return e / e.sum(axis=0)


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    yhat = softmax(W2.dot(np.maximum(W1.dot(X) + b1.reshape(-1, 1), 0)) + b2.reshape(-1, 1))
    return -np.sum(Y * np.log(yhat)) / X.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1.reshape(-1, 1)
    h1 = np.maximum(z1, 0)
    yhat = softmax(W2.dot(h1) + b2.reshape(-1, 1))
    n = X.shape[1]
    gW2 = (yhat - Y).dot(h1.T) / n
    gb2 = np.mean(yhat - Y, axis=1)
    g = W2.T.dot(yhat - Y) * (z1 > 0)
    gW1 = g.dot(X.T) / n
    gb1 = np.mean(g, axis=1)
    return pack(gW1, gb1, gW2, gb2)


def train(trainX, trainY, testX, testY, w):
    for epoch in range(2):
        for i in range(0, trainX.shape[1], 100):
            w = w - 0.1 * gradCE(trainX[:, i:i + 100], trainY[:, i:i + 100], w)
    return w
