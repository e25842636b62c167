import numpy as np
import matplotlib.pyplot as plt
from tqdm import tqdm

"""
CS 541 HW6 -- neural network for MNIST
examples are rows (n x 784), labels rows (n x 10)
W1 stored as (784 x H), W2 as (H x 10)
"""

NUM_INPUT = 784
NUM_HIDDEN = 50
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()))


def unpack(w):
    hidden = (w.size - NUM_OUTPUT) // (NUM_INPUT + 1 + NUM_OUTPUT)
    W1 = w[:NUM_INPUT * hidden].reshape(NUM_INPUT, hidden)
    b1 = w[NUM_INPUT * hidden:(NUM_INPUT + 1) * hidden]
    W2 = w[(NUM_INPUT + 1) * hidden:(NUM_INPUT + 1 + NUM_OUTPUT) * hidden].reshape(hidden, NUM_OUTPUT)
    b2 = w[(NUM_INPUT + 1 + NUM_OUTPUT) * hidden:]
    return W1, b1, W2, b2


def relu_prime(z):
    return np.sign(z)  # derivative of max(0, z)


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = X.dot(W1) + b1
    h1 = np.maximum(z1, 0)
    z2 = h1.dot(W2) + b2
    z2 = z2 - z2.max(axis=1)[:, None]
    yhat = np.exp(z2) / np.exp(z2).sum(axis=1)[:, None]
    return -(Y * np.log(yhat)).sum() / len(X)


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = X.dot(W1) + b1
    h1 = np.maximum(z1, 0)
    z2 = h1.dot(W2) + b2
    z2 = z2 - z2.max(axis=1)[:, None]
    yhat = np.exp(z2) / np.exp(z2).sum(axis=1)[:, None]
    n = len(X)
    d = (yhat - Y) / n
    g = d.dot(W2.T) * relu_prime(z1)
    return pack(X.T.dot(g), g.sum(axis=0), h1.T.dot(d), d.sum(axis=0))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.05, batch=32, epochs=3, alpha=1e-4):
    c = 1 / np.sqrt(NUM_INPUT)
    W1 = np.random.uniform(-c, c, (NUM_INPUT, hidden))
    W2 = np.random.uniform(-1 / np.sqrt(hidden), 1 / np.sqrt(hidden), (hidden, NUM_OUTPUT))
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    n = len(trainX)
    for epoch in tqdm(range(epochs), desc=f"h={hidden} lr={lr}"):
        order = np.random.permutation(n)
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[rows], trainY[rows], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
    return w


def find_best_hyperparameters(trainX, trainY, valX, valY, hidden_list=(30, 50), lr_list=(0.01, 0.05, 0.1),
                              batch_list=(32, 128), epoch_list=(2,)):
    best_loss, best = float("inf"), None
    for hidden in hidden_list:
        for lr in lr_list:
            for batch in batch_list:
                for epochs in epoch_list:
                    w = train(trainX, trainY, valX, valY, hidden, lr, batch, epochs)
                    loss = fCE(valX, valY, w)
                    if loss < best_loss:
                        best_loss, best = loss, {"hidden": hidden, "lr": lr, "batch": batch, "epochs": epochs}
    return best


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy")
    trainY = np.load("mnist_train_labels.npy")
    valX = np.load("mnist_validation_images.npy")
    valY = np.load("mnist_validation_labels.npy")
    print(find_best_hyperparameters(trainX, trainY, valX, valY))
