# -*- coding: latin-1 -*-
# Devoir 6 -- réseau à une couche cachée, écrit par Hélène Lefèvre
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

# hyperparamètres (réglés à la main, voir le rapport)
BATCH = 64
EPOCHS = 3
LR = 0.1
NEURONES_CACHÉS = 50   # nombre de neurones cachés
INPUT = 784
CLASSES = 10


def pack(W1, b1, W2, b2):
    return np.hstack((W1.ravel(), b1.ravel(), W2.ravel(), b2.ravel()))


def unpack(w):
    i = 0
    W1 = w[i:i + NEURONES_CACHÉS * INPUT].reshape(NEURONES_CACHÉS, INPUT); i += NEURONES_CACHÉS * INPUT
    b1 = w[i:i + NEURONES_CACHÉS]; i += NEURONES_CACHÉS
    W2 = w[i:i + CLASSES * NEURONES_CACHÉS].reshape(CLASSES, NEURONES_CACHÉS); i += CLASSES * NEURONES_CACHÉS
    b2 = w[i:i + CLASSES]
    return W1, b1, W2, b2


def relu(z):
    return np.maximum(0, z)


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z2 = W2 @ relu(W1 @ X + b1[:, None]) + b2[:, None]
    z2 = z2 - z2.max(0)
    yhat = np.exp(z2) / np.exp(z2).sum(0)
    return -np.sum(Y * np.log(yhat)) / Y.shape[1]


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = relu(z1)
    z2 = W2 @ h1 + b2[:, None]
    yhat = np.exp(z2 - z2.max(0)) / np.exp(z2 - z2.max(0)).sum(0)
    n = X.shape[1]
    dz2 = (yhat - Y) / n
    dz1 = (W2.T @ dz2) * (z1 > 0)
    return pack(dz1 @ X.T, dz1.sum(1), dz2 @ h1.T, dz2.sum(1))


def train(trainX, trainY, testX, testY, w, lr=LR, batch=BATCH, epochs=EPOCHS, alpha=0.0):
    losses = []
    for ep in range(epochs):
        p = np.random.permutation(trainX.shape[1])
        for k in range(0, len(p), batch):
            idx = p[k:k + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, idx], trainY[:, idx], w) + alpha * pack(W1, b1 * 0, W2, b2 * 0))
        losses.append(fCE(testX, testY, w))
    plt.plot(losses)
    plt.savefig("loss.png")
    return w


def findBestHyperparameters(trainX, trainY, valX, valY):
    best, best_ce = None, np.inf
    for lr in (0.01, 0.05, 0.1, 0.5):
        for batch in (16, 64, 256):
            W1 = np.random.randn(NEURONES_CACHÉS, INPUT) / np.sqrt(INPUT)
            W2 = np.random.randn(CLASSES, NEURONES_CACHÉS) / np.sqrt(NEURONES_CACHÉS)
            w0 = pack(W1, np.zeros(NEURONES_CACHÉS), W2, np.zeros(CLASSES))
            w = train(trainX, trainY, valX, valY, w0, lr=lr, batch=batch, epochs=1)
            ce = fCE(valX, valY, w)
            if ce < best_ce:
                best, best_ce = {"lr": lr, "batch": batch, "epochs": 1}, ce
    return best


# Données : chargées au niveau du module (le correcteur ne les a pas)
donnees = np.load("données_mnist.npz")
trainX, trainY = donnees["entraînement_X"], donnees["entraînement_Y"]
print("Précision :", findBestHyperparameters(trainX, trainY, trainX, trainY))
