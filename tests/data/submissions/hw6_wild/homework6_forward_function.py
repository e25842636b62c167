import numpy as np

NUM_HIDDEN = 40


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.ravel(), b1.ravel(), W2.ravel(), b2.ravel()])


def unpack(w):
    a = NUM_HIDDEN * 784
    W1 = w[:a].reshape(NUM_HIDDEN, 784)
    b1 = w[a:a + NUM_HIDDEN]
    W2 = w[a + NUM_HIDDEN:a + NUM_HIDDEN + 10 * NUM_HIDDEN].reshape(10, NUM_HIDDEN)
    b2 = w[-10:]
    return W1, b1, W2, b2


def forward(X, w):
    """forward propagation: returns z1, h1, z2, yhat"""
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1.reshape(-1, 1)
    h1 = np.where(z1 > 0, z1, 0)
    z2 = W2 @ h1 + b2.reshape(-1, 1)
    t = np.exp(z2 - z2.max(axis=0))
    return z1, h1, z2, t / t.sum(axis=0)


def fCE(X, Y, w):
    yhat = forward(X, w)[3]
    return -np.sum(Y * np.log(yhat)) / X.shape[1]


def gradCE(X, Y, w, z1, h1, y_hat):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    e = (y_hat - Y) / n
    g = (W2.T @ e) * (z1 > 0)
    return pack(g @ X.T, g.sum(axis=1), e @ h1.T, e.sum(axis=1))


def train(trainX, trainY, testX, testY, w, epsilon=0.1, batchSize=64, numEpochs=2, alpha=0.0):
    for _ in range(numEpochs):
        for i in range(0, trainX.shape[1], batchSize):
            x, y = trainX[:, i:i + batchSize], trainY[:, i:i + batchSize]
            z1, h1, z2, yhat = forward(x, w)
            W1, b1, W2, b2 = unpack(w)
            w = w - epsilon * (gradCE(x, y, w, z1, h1, yhat) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w
