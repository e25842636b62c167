import numpy as np

# One year's template: W1 stored as (784, H) and W2 as (H, 10), examples as
# ROWS (X is (n, 784), Y is (n, 10)), train with the template's arguments plus
# required hyperparameters, a misspelled search function, and a train that
# returns the list of weights visited.
NUM_INPUT = 784
NUM_HIDDEN = 50
NUM_OUTPUT = 10


def unpack(w):
    i = NUM_INPUT * NUM_HIDDEN
    W1 = w[:i].reshape(NUM_INPUT, NUM_HIDDEN)
    b1 = w[i:i + NUM_HIDDEN]
    i += NUM_HIDDEN
    W2 = w[i:i + NUM_HIDDEN * NUM_OUTPUT].reshape(NUM_HIDDEN, NUM_OUTPUT)
    b2 = w[i + NUM_HIDDEN * NUM_OUTPUT:]
    return W1, b1, W2, b2


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.ravel(), b1.ravel(), W2.ravel(), b2.ravel()])


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    h = np.maximum(X @ W1 + b1, 0)
    yhat = softmax(h @ W2 + b2)
    return -np.mean(np.sum(Y * np.log(yhat + 1e-300), axis=1))


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[0]
    z = X @ W1 + b1
    h = np.maximum(z, 0)
    yhat = softmax(h @ W2 + b2)
    d2 = (yhat - Y) / n
    d1 = (d2 @ W2.T) * (z > 0)
    return pack(X.T @ d1, d1.sum(0), h.T @ d2, d2.sum(0))


def train(trainX, trainY, testX, testY, w, epsilon, batchSize, numEpochs, alpha):
    history = [w]
    n = trainX.shape[0]
    for epoch in range(numEpochs):
        perm = np.random.permutation(n)
        for start in range(0, n, batchSize):
            rows = perm[start:start + batchSize]
            W1, b1, W2, b2 = unpack(w)
            g = gradCE(trainX[rows], trainY[rows], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2)
            w = w - epsilon * g
        history.append(w)
    return history


def findBestHyperParameters(trainX, trainY, valX, valY):
    rng = np.random.default_rng(1)
    best, best_loss = None, None
    for eps in (0.05, 0.1, 0.2):
        for bs in (32, 64, 128):
            W1 = rng.normal(0, NUM_INPUT ** -0.5, (NUM_INPUT, NUM_HIDDEN))
            W2 = rng.normal(0, NUM_HIDDEN ** -0.5, (NUM_HIDDEN, NUM_OUTPUT))
            ws = train(trainX, trainY, valX, valY, pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT)),
                       eps, bs, 1, 0.0)
            loss = fCE(valX, valY, ws[-1])
            if best_loss is None or loss < best_loss:
                best, best_loss = {"epsilon": eps, "batchSize": bs, "numEpochs": 1, "alpha": 0.0}, loss
    return best


if __name__ == "__main__":
    X = np.load("/home/student/hw6/mnist_train_images.npy")
    print(findBestHyperParameters(X, None, None, None))
