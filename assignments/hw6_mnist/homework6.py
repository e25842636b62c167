"""Homework 6: SGD for a 3-layer neural network on MNIST (CS 541).

Fill in every function below; keep the names and arguments. The network is

    z1 = W1 x + b1,   h1 = relu(z1),   z2 = W2 h1 + b2,   yhat = softmax(z2)

with W1 of shape (NUM_HIDDEN, NUM_INPUT) and W2 of shape (NUM_OUTPUT, NUM_HIDDEN).
Data matrices hold one example per column: X is (784, n), Y is (10, n) one-hot.
All the weights travel as one 1-d vector w (see pack/unpack), so that
scipy.optimize.check_grad can compare gradCE with finite differences of fCE.

Check your work with:   grade submit homework6_<yourname>.py
A faster self-check:    grade submit homework6_<yourname>.py --profile quick
Load data and run experiments only under `if __name__ == "__main__":`, so that
importing this file runs nothing (the grader imports it and calls your functions).
"""

import numpy as np

NUM_INPUT = 784  # Number of input neurons
NUM_HIDDEN = 40  # Number of hidden neurons
NUM_OUTPUT = 10  # Number of output neurons
NUM_CHECK = 5  # Number of examples on which to check the gradient


def pack(W1, b1, W2, b2):
    """Flatten W1 (NUM_HIDDEN, 784), b1 (NUM_HIDDEN,), W2 (10, NUM_HIDDEN) and
    b2 (10,) row-major and concatenate them, in this order, into one 1-d vector
    w of length 784*NUM_HIDDEN + NUM_HIDDEN + 10*NUM_HIDDEN + 10."""
    raise NotImplementedError


def unpack(w):
    """The inverse of pack: return (W1, b1, W2, b2) with the shapes above.
    The number of hidden units is implied by len(w) (or by NUM_HIDDEN)."""
    raise NotImplementedError


def fCE(X, Y, w):
    """Mean unregularised cross-entropy of the network w on X (784, n) with
    one-hot labels Y (10, n): -(1/n) sum_i sum_k Y[k, i] log yhat[k, i].
    Returns a float. Use a softmax normalised per example (per column)."""
    raise NotImplementedError


def gradCE(X, Y, w):
    """Gradient of fCE with respect to w, packed like w (the same length).

    With g^T = ((yhat - y)^T W2) * relu'(z1^T), averaged over the n examples:
    grad_W2 = (yhat - y) h1^T, grad_b2 = yhat - y, grad_W1 = g x^T, grad_b1 = g.
    No regularisation here (train adds alpha * W for the weights only)."""
    raise NotImplementedError


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=5, alpha=0.0):
    """Minibatch SGD on the training data (trainX (784, n), trainY (10, n)).

    Initialise each weight from N(0, 1/sqrt(fan_in)) (not all zeros: the
    hidden units would stay identical) and the biases to 0; each step uses
    the gradient of fCE + (alpha/2)(||W1||^2 + ||W2||^2) (biases are not
    regularised). valX (784, m), valY (10, m) are for printing progress only.
    Returns the packed weights w after the last epoch."""
    raise NotImplementedError


def findBestHyperparameters(trainX, trainY, valX, valY):
    """Try at least 10 settings of train's hyperparameters (e.g. hidden in
    {30, 40, 50}, lr in {0.001, 0.005, 0.01, 0.05, 0.1, 0.5}, batch in
    {16, 32, 64, 128, 256}, epochs, alpha), calling train once per setting,
    and return the setting whose weights do best on the validation data, as a
    dict of keyword arguments for train, e.g. {"hidden": 50, "lr": 0.1, ...}.
    Never use the test set here."""
    raise NotImplementedError


if __name__ == "__main__":
    # Load the data (examples as columns) and run your experiments here.
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    testX = np.load("mnist_test_images.npy").T
    testY = np.load("mnist_test_labels.npy").T
    best = findBestHyperparameters(trainX, trainY, valX, valY)
    print("best setting:", best)
