import numpy as np
import scipy.optimize
from scipy.special import softmax
from sklearn.metrics import accuracy_score
import pandas as pd

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
NUM_CHECK = 5


def pack(W1, b1, W2, b2):
    return np.hstack([W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()])


def unpack(w, hidden=None):
    H = hidden or (len(w) - NUM_OUTPUT) // (NUM_INPUT + 1 + NUM_OUTPUT)
    a, b, c = H * NUM_INPUT, H * NUM_INPUT + H, H * NUM_INPUT + H + NUM_OUTPUT * H
    return w[:a].reshape(H, NUM_INPUT), w[a:b], w[b:c].reshape(NUM_OUTPUT, H), w[c:]


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(0, W1.dot(X) + b1[:, None])
    yhat = softmax(W2.dot(h1) + b2[:, None], axis=0)
    return -np.sum(Y * np.log(yhat)) / X.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, None]
    h1 = np.maximum(0, z1)
    yhat = softmax(W2.dot(h1) + b2[:, None], axis=0)
    n = X.shape[1]
    e = yhat - Y
    g = W2.T.dot(e) * np.where(z1 > 0, 1.0, 0.0)
    return pack(g.dot(X.T) / n, g.mean(axis=1), e.dot(h1.T) / n, e.mean(axis=1))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=3, alpha=0.0):
    W1 = np.random.normal(0, 1 / np.sqrt(NUM_INPUT), (hidden, NUM_INPUT))
    W2 = np.random.normal(0, 1 / np.sqrt(hidden), (NUM_OUTPUT, hidden))
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for ep in range(epochs):
        p = np.random.permutation(n)
        for k in range(n // batch):
            i = p[k * batch:(k + 1) * batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, i], trainY[:, i], w) + alpha * pack(W1, np.zeros_like(b1), W2, np.zeros_like(b2)))
    return w


def findBestHyperparameters(trainX, trainY, valX, valY):
    rows = []
    for hidden in [30, 50]:
        for lr in [0.01, 0.1, 0.5]:
            for alpha in [0.0, 1e-4]:
                w = train(trainX, trainY, valX, valY, hidden, lr, 128, 1, alpha)
                W1, b1, W2, b2 = unpack(w)
                yhat = softmax(W2.dot(np.maximum(0, W1.dot(valX) + b1[:, None])) + b2[:, None], axis=0)
                acc = accuracy_score(np.argmax(valY, 0), np.argmax(yhat, 0))
                rows.append(dict(hidden=hidden, lr=lr, alpha=alpha, acc=acc))
    df = pd.DataFrame(rows)
    print(df.sort_values("acc"))
    best = df.loc[df.acc.idxmax()]
    # returns (hidden, lr, batch, epochs, alpha)
    return int(best.hidden), float(best.lr), 128, 1, float(best.alpha)


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    print(findBestHyperparameters(trainX, trainY, valX, valY))
