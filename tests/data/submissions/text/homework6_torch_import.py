# Homework 6 - CS 541
# A correct submission that imports torch at top level, to check gradCE
# against autograd on the student's own machine (torch is not available
# when grading). No script code: the experiments ran in a notebook.
import numpy as np
import matplotlib.pyplot as plt
import torch

NUM_INPUT = 784  # Number of input neurons
NUM_HIDDEN = 40  # Number of hidden neurons
NUM_OUTPUT = 10  # Number of output neurons
NUM_CHECK = 5  # Number of examples on which to check the gradient


# Given a vector w containing all the weights and biased vectors, extract
# and return the individual weights and biases W1, b1, W2, b2.
def unpack(w):
    H = (len(w) - NUM_OUTPUT) // (NUM_INPUT + 1 + NUM_OUTPUT)
    W1 = w[:H * NUM_INPUT].reshape(H, NUM_INPUT)
    b1 = w[H * NUM_INPUT:H * NUM_INPUT + H]
    W2 = w[H * NUM_INPUT + H:H * NUM_INPUT + H + NUM_OUTPUT * H].reshape(NUM_OUTPUT, H)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2


# Given individual weights and biases W1, b1, W2, b2, concatenate them and return a vector w.
def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))


def relu(z):
    return np.maximum(z, 0)


def softmax(z):
    e = np.exp(z - np.max(z, axis=0))
    return e / np.sum(e, axis=0)


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1.reshape(-1, 1)
    h1 = relu(z1)
    z2 = W2.dot(h1) + b2.reshape(-1, 1)
    return z1, h1, softmax(z2)


# Given training images X, associated labels Y, and a vector of combined weights
# and bias terms w, compute and return the cross-entropy (CE) loss.
def fCE(X, Y, w):
    _, _, yhat = forward(X, w)
    cost = -np.sum(Y * np.log(yhat)) / X.shape[1]
    return cost


# Given training images X, associated labels Y, and a vector of combined weights
# and bias terms w, compute and return the gradient of fCE.
def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1, h1, yhat = forward(X, w)
    dz2 = yhat - Y
    gW2 = dz2.dot(h1.T) / n
    gb2 = np.sum(dz2, axis=1) / n
    g = W2.T.dot(dz2) * (z1 > 0)
    gW1 = g.dot(X.T) / n
    gb1 = np.sum(g, axis=1) / n
    return pack(gW1, gb1, gW2, gb2)


def initWeights(H):
    W1 = np.random.randn(H, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, H) / np.sqrt(H)
    return pack(W1, np.zeros(H), W2, np.zeros(NUM_OUTPUT))


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=1, alpha=0.0):
    w = initWeights(hidden)
    n = trainX.shape[1]
    for epoch in range(epochs):
        idx = np.random.permutation(n)
        for i in range(0, n, batch):
            b = idx[i:i + batch]
            g = gradCE(trainX[:, b], trainY[:, b], w)
            W1, b1, W2, b2 = unpack(w)
            gW1, gb1, gW2, gb2 = unpack(g)
            w = pack(W1 - lr * (gW1 + alpha * W1), b1 - lr * gb1, W2 - lr * (gW2 + alpha * W2), b2 - lr * gb2)
        print("epoch", epoch, "val CE", fCE(valX, valY, w))
    return w


SETTINGS = [
    {"hidden": 30, "lr": 0.01, "batch": 64, "epochs": 1, "alpha": 0.0},
    {"hidden": 30, "lr": 0.1, "batch": 64, "epochs": 1, "alpha": 0.0},
    {"hidden": 40, "lr": 0.05, "batch": 32, "epochs": 1, "alpha": 0.0},
    {"hidden": 40, "lr": 0.1, "batch": 32, "epochs": 1, "alpha": 0.0},
    {"hidden": 50, "lr": 0.5, "batch": 128, "epochs": 1, "alpha": 0.0},
    {"hidden": 50, "lr": 0.1, "batch": 32, "epochs": 1, "alpha": 0.0},
    {"hidden": 30, "lr": 0.005, "batch": 16, "epochs": 1, "alpha": 0.0},
    {"hidden": 40, "lr": 0.1, "batch": 128, "epochs": 1, "alpha": 0.0},
    {"hidden": 50, "lr": 0.05, "batch": 64, "epochs": 1, "alpha": 0.0},
    {"hidden": 50, "lr": 0.1, "batch": 64, "epochs": 1, "alpha": 0.0},
]


def findBestHyperparameters(trainX, trainY, valX, valY):
    best, bestLoss = None, np.inf
    for s in SETTINGS:
        w = train(trainX, trainY, valX, valY, **s)
        loss = fCE(valX, valY, w)
        if loss < bestLoss:
            best, bestLoss = s, loss
    return best


def torch_gradient(X, Y, w):
    """gradCE by autograd, to compare with mine."""
    wt = torch.tensor(w, requires_grad=True)
    W1, b1, W2, b2 = unpack(wt)
    z1 = W1 @ torch.tensor(X) + b1[:, None]
    yhat = torch.softmax(W2 @ torch.relu(z1) + b2[:, None], dim=0)
    loss = -torch.sum(torch.tensor(Y) * torch.log(yhat)) / X.shape[1]
    loss.backward()
    return wt.grad.numpy()

