"""HW6 - I did the backprop one example at a time because the matrix version
kept giving me shape errors. It passes check_grad."""
import numpy as np
from scipy.optimize import check_grad

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
NUM_CHECK = 5

def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))

def unpack(w):
    H = NUM_HIDDEN
    W1 = w[:H * NUM_INPUT].reshape(H, NUM_INPUT)
    b1 = w[H * NUM_INPUT:H * NUM_INPUT + H]
    W2 = w[H * NUM_INPUT + H:H * NUM_INPUT + H + NUM_OUTPUT * H].reshape(NUM_OUTPUT, H)
    b2 = w[H * NUM_INPUT + H + NUM_OUTPUT * H:]
    return W1, b1, W2, b2

def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)

def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    total = 0.0
    for i in range(n):
        x = X[:, i]
        h = np.maximum(W1 @ x + b1, 0)
        yhat = softmax(W2 @ h + b2)
        total += -np.sum(Y[:, i] * np.log(yhat))
    return total / n

def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    gW1 = np.zeros_like(W1); gb1 = np.zeros_like(b1)
    gW2 = np.zeros_like(W2); gb2 = np.zeros_like(b2)
    for i in range(n):
        x = X[:, i]
        y = Y[:, i]
        z1 = W1 @ x + b1
        h1 = np.maximum(z1, 0)
        yhat = softmax(W2 @ h1 + b2)
        d = yhat - y
        gW2 += np.outer(d, h1)
        gb2 += d
        g = (W2.T @ d) * (z1 > 0)
        gW1 += np.outer(g, x)
        gb1 += g
    return pack(gW1 / n, gb1 / n, gW2 / n, gb2 / n)

def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=1, alpha=0.0):
    global NUM_HIDDEN
    NUM_HIDDEN = hidden
    W1 = np.random.uniform(-1, 1, (hidden, NUM_INPUT)) / np.sqrt(NUM_INPUT)
    W2 = np.random.uniform(-1, 1, (NUM_OUTPUT, hidden)) / np.sqrt(hidden)
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for e in range(epochs):
        perm = np.random.permutation(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, idx], trainY[:, idx], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
        print("epoch", e, "val loss", fCE(valX, valY, w))
    return w

def findBestHyperparameters(trainX, trainY, valX, valY):
    results = {}
    for hidden in [30, 50]:
        for lr in [0.05, 0.1, 0.2]:
            for batch in [32, 64]:
                w = train(trainX, trainY, valX, valY, hidden=hidden, lr=lr, batch=batch, epochs=1)
                results[(hidden, lr, batch)] = fCE(valX, valY, w)
    h, lr, b = min(results, key=results.get)
    return {"hidden": h, "lr": lr, "batch": b, "epochs": 1}

if __name__ == "__main__":
    X = np.load("mnist_train_images.npy").T
    Y = np.load("mnist_train_labels.npy").T
    w = np.random.randn(NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN + NUM_OUTPUT) * 0.05
    print(check_grad(lambda v: fCE(X[:, :NUM_CHECK], Y[:, :NUM_CHECK], v), lambda v: gradCE(X[:, :NUM_CHECK], Y[:, :NUM_CHECK], v), w))
