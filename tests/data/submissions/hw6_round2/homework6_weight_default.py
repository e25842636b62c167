import numpy as np

# Homework 6
# weight = how much of the L2 term goes into the cost, on by default (the
# handout said regularization helps)

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.reshape(-1), b1, W2.reshape(-1), b2])


def unpack(w):
    i = NUM_HIDDEN * NUM_INPUT
    j = i + NUM_HIDDEN
    k = j + NUM_HIDDEN * NUM_OUTPUT
    return np.reshape(w[:i], (NUM_HIDDEN, NUM_INPUT)), w[i:j], np.reshape(w[j:k], (NUM_OUTPUT, NUM_HIDDEN)), w[k:]


def fCE(X, Y, w, weight=1e-3):
    W1, b1, W2, b2 = unpack(w)
    h = np.maximum(W1.dot(X) + b1[:, None], 0)
    z = W2.dot(h) + b2[:, None]
    z = z - z.max(axis=0)
    p = np.exp(z) / np.exp(z).sum(axis=0)
    ce = -np.sum(Y * np.log(p)) / X.shape[1]
    return ce + weight / 2 * (np.sum(W1 * W1) + np.sum(W2 * W2))


def gradCE(X, Y, w, weight=1e-3):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, None]
    h = np.maximum(z1, 0)
    z = W2.dot(h) + b2[:, None]
    p = np.exp(z - z.max(axis=0))
    p = p / p.sum(axis=0)
    delta = (p - Y) / X.shape[1]
    g = W2.T.dot(delta) * (z1 > 0)
    return pack(g.dot(X.T) + weight * W1, g.sum(axis=1), delta.dot(h.T) + weight * W2, delta.sum(axis=1))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=3, alpha=0.0):
    W1 = np.random.uniform(-1, 1, (hidden, NUM_INPUT)) / np.sqrt(NUM_INPUT)
    W2 = np.random.uniform(-1, 1, (NUM_OUTPUT, hidden)) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for _ in range(epochs):
        for start in range(0, n, batch):
            w -= lr * gradCE(trainX[:, start:start + batch], trainY[:, start:start + batch], w, weight=alpha)
    return w


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    print(fCE(trainX[:, :100], trainY[:, :100], np.zeros(NUM_HIDDEN * 795 + 10)))
