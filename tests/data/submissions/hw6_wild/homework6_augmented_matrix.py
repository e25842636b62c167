import numpy as np

# Each layer is one "augmented" matrix [W | b], and both layers share one array:
# rows 0..H-1 hold [W1 | b1] (H x 785), rows H..H+9 hold [W2 | b2] in their first
# H+1 columns (the rest of those rows is padding).
NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    w = np.zeros((NUM_HIDDEN + NUM_OUTPUT, NUM_INPUT + 1))
    w[:NUM_HIDDEN, :NUM_INPUT] = W1
    w[:NUM_HIDDEN, NUM_INPUT] = b1
    w[NUM_HIDDEN:, :NUM_HIDDEN] = W2
    w[NUM_HIDDEN:, NUM_HIDDEN] = b2
    return w


def unpack(w):
    W1 = w[:NUM_HIDDEN, :NUM_INPUT]
    b1 = w[:NUM_HIDDEN, NUM_INPUT]
    W2 = w[NUM_HIDDEN:, :NUM_HIDDEN]
    b2 = w[NUM_HIDDEN:, NUM_HIDDEN]
    return W1, b1, W2, b2


def softmax(z):
    z = z - np.max(z, axis=0)
    return np.exp(z) / np.sum(np.exp(z), axis=0)


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h1 = np.maximum(W1 @ X + b1[:, None], 0)
    yhat = softmax(W2 @ h1 + b2[:, None])
    return float(-np.sum(Y * np.log(yhat)) / X.shape[1])


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    yhat = softmax(W2 @ h1 + b2[:, None])
    g2 = (yhat - Y) / n
    g1 = (W2.T @ g2) * (z1 > 0)
    return pack(g1 @ X.T, g1.sum(1), g2 @ h1.T, g2.sum(1))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=3, alpha=0.0):
    rng = np.random.default_rng(0)
    w = pack(rng.normal(0, NUM_INPUT ** -0.5, (NUM_HIDDEN, NUM_INPUT)), np.zeros(NUM_HIDDEN),
             rng.normal(0, NUM_HIDDEN ** -0.5, (NUM_OUTPUT, NUM_HIDDEN)), np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n, batch):
            i = order[s:s + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, i], trainY[:, i], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w


def findBestHyperparameters(trainX, trainY, valX, valY):
    results = {}
    for lr in [0.01, 0.05, 0.1, 0.5]:
        for batch in [32, 128]:
            for alpha in [0, 0.001]:
                w = train(trainX, trainY, valX, valY, lr=lr, batch=batch, epochs=1, alpha=alpha)
                results[(lr, batch, alpha)] = fCE(valX, valY, w)
    lr, batch, alpha = min(results, key=results.get)
    return {"lr": lr, "batch": batch, "epochs": 1, "alpha": alpha}
