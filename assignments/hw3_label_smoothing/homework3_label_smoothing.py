"""Homework 3: one gradient step of a small network trained with label smoothing.

The network has d inputs, n hidden units and q outputs:

    h = W1^T x + b1      W1 is d x n, b1 has n entries
    a = ReLU(h)
    z = W2^T a + b2      W2 is n x q, b2 has q entries
    yhat = softmax(z)

and the loss of one example with one-hot label y is

    L = -sum_i ys_i ln(yhat_i),   ys = (1 - epsilon) y + epsilon / q.

Fill in every function below; keep the names and arguments. Vectors may be
numpy arrays of shape (k,) or columns of shape (k, 1): both are accepted.
ReLU'(0) is taken as 0.

Check your work with:  grade submit homework3_label_smoothing_<yourname>.py
Keep experiments under `if __name__ == "__main__":` so that importing this
file runs nothing.
"""

import numpy as np


def smooth_labels(y, epsilon):
    """The smoothed labels ys = (1 - epsilon) y + epsilon / q.

    y: one-hot label with q entries; epsilon: a number in [0, 1).
    Returns a vector of q entries (it sums to 1).
    """
    raise NotImplementedError


def forward(x, W1, b1, W2, b2):
    """The forward pass at input x.

    x: d entries; W1: (d, n); b1: n entries; W2: (n, q); b2: q entries.
    Returns the tuple (h, a, z, yhat): h and a have n entries, z and yhat
    have q entries. The softmax must not overflow for large logits.
    """
    raise NotImplementedError


def loss(yhat, ys):
    """The loss L = -sum_i ys_i ln(yhat_i), a number.

    yhat: the network's output (q entries); ys: the smoothed labels (q entries).
    """
    raise NotImplementedError


def gradients(x, y, W1, b1, W2, b2, epsilon):
    """Problem 1: the gradient of L with respect to every parameter.

    y is the one-hot label (not yet smoothed). Returns the tuple
    (dW1, db1, dW2, db2) = (dL/dW1, dL/db1, dL/dW2, dL/db2), each shaped like
    its parameter: dW1 is (d, n), db1 has n entries, dW2 is (n, q), db2 has
    q entries.
    """
    raise NotImplementedError


def update(x, y, W1, b1, W2, b2, epsilon, eta):
    """Problem 2: the parameters after one step of gradient descent,
    theta <- theta - eta * dL/dtheta, for theta = W1, b1, W2, b2.

    Returns the tuple (W1, b1, W2, b2) after the step, each of its old shape.
    """
    raise NotImplementedError


if __name__ == "__main__":
    # Problem 2's example: d = 2, n = 3, q = 3.
    x = np.array([0.0, 2.0])
    y = np.array([1.0, 0.0, 0.0])
    W1 = np.array([[-5.0, 2.0, 2.0], [-5.0, 2.0, -1.0]])
    b1 = np.array([-3.0, -2.0, -3.0])
    W2 = np.array([[3.0, -4.0, 1.0], [-2.0, -4.0, -2.0], [-4.0, -2.0, 3.0]])
    b2 = np.array([4.0, 5.0, 5.0])
    epsilon, eta = 0.3, 0.1

    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    print("yhat =", yhat)
    print("L =", loss(yhat, smooth_labels(y, epsilon)))
    for name, value in zip(("W1", "b1", "W2", "b2"), update(x, y, W1, b1, W2, b2, epsilon, eta)):
        print(f"{name} after one step:\n{value}")
