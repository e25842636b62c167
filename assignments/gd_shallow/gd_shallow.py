"""Gradient descent on a quartic, and a shallow network on Fashion-MNIST.

Fill in every function; keep the names and parameters. Rows are examples:
X is (n, 784) with pixels scaled to [0, 1], Y is (n, 10) one-hot. Plots and
experiments may go under ``if __name__ == "__main__":`` (the grader sets
top-level training and plotting aside, but that costs you time).
"""

import numpy as np

LEARNING_RATES = (0.01, 0.05, 0.1)
"""Part 1's learning rates."""


# -- Part 1: gradient descent on f(x) = x^4/4 - 3x^3 + 7x - 5 ------------------------
def f(x):
    """f(x) = x^4/4 - 3x^3 + 7x - 5, elementwise for an array x."""
    raise NotImplementedError


def grad_f(x):
    """f'(x), elementwise."""
    raise NotImplementedError


def gradient_descent(x0, learning_rate, iterations):
    """Run `iterations` steps x <- x - learning_rate * f'(x) from x0.

    Returns (xs, values): the iterates x_0 = x0, x_1, ..., x_iterations and f
    at each of them (two arrays of length iterations + 1; values is what you
    plot against the iteration)."""
    raise NotImplementedError


def find_local_minimum(x0=0.0, learning_rates=LEARNING_RATES, iterations=30):
    """Run gradient_descent from x0 with each learning rate and report
    {"x": the local minimum's x, "f": its value, "best_learning_rate": the
    rate that gets there best}."""
    raise NotImplementedError


# -- Part 2: a shallow network (one sigmoid hidden layer, softmax output) ---------------
def sigmoid(z):
    """The logistic function, stable for large |z|."""
    raise NotImplementedError


def predict_proba(params, X):
    """Class probabilities (n, 10) of the network params = (W1 (784, H),
    b1 (H,), W2 (H, 10), b2 (10,)): softmax(sigmoid(X W1 + b1) W2 + b2)."""
    raise NotImplementedError


def loss(params, X, Y):
    """The logistic (cross-entropy) loss averaged over the n examples."""
    raise NotImplementedError


def gradients(params, X, Y):
    """(dW1, db1, dW2, db2): the gradient of loss(params, X, Y), each with its
    parameter's shape."""
    raise NotImplementedError


def train_shallow(X, Y, hidden=100, learning_rate=0.5, batch_size=300, epochs=10, seed=0):
    """Minibatch SGD on loss from a small random start; returns (W1, b1, W2, b2)."""
    raise NotImplementedError


def search_learning_rate(X, Y, Xval, Yval, learning_rates=(0.05, 0.1, 0.5, 1.0, 2.0)):
    """Train once per learning rate (at least 5) with train_shallow, compare
    the networks on the validation data, and return the best learning rate."""
    raise NotImplementedError


# -- Part 3: improve on part 2 ---------------------------------------------------------
def train_improved(X, Y, Xval, Yval):
    """Your improved network (ReLU, more units or layers, regularisation,
    dropout...), trained on X, Y. Return its layers as a list of
    (W, b, activation) with activation one of "relu", "sigmoid", "tanh",
    "linear" or "softmax", applied in order to rows of X: for example
    [(W1, b1, "relu"), (W2, b2, "softmax")]."""
    raise NotImplementedError
