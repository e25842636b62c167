# Homework 3, label smoothing.  All vectors are (k, 1) columns, as in class.
import numpy as np


def smooth_labels(y, epsilon):
    q = y.shape[0]
    return (1 - epsilon) * y + epsilon / q * np.ones((q, 1))


def softmax(z):
    z = z - np.max(z)
    return np.exp(z) / np.sum(np.exp(z), axis=0, keepdims=True)


def forward(x, W1, b1, W2, b2):
    assert x.shape[1] == 1 and b1.shape[1] == 1, "column vectors please"
    h = W1.T @ x + b1                # (n, 1)
    a = np.maximum(h, 0)
    z = W2.T @ a + b2                # (q, 1)
    return h, a, z, softmax(z)


def loss(yhat, ys):
    return (-(ys.T @ np.log(yhat))).item()


def gradients(x, y, W1, b1, W2, b2, epsilon):
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    g = yhat - smooth_labels(y, epsilon)          # dL/dz, (q, 1)
    dW2 = a @ g.T                                 # (n, q)
    db2 = g
    g = (W2 @ g) * (h > 0)                        # dL/dh, (n, 1)
    dW1 = x @ g.T                                 # (d, n)
    db1 = g
    return dW1, db1, dW2, db2


def update(x, y, W1, b1, W2, b2, epsilon, eta):
    grads = gradients(x, y, W1, b1, W2, b2, epsilon)
    return tuple(p - eta * gp for p, gp in zip((W1, b1, W2, b2), grads))


if __name__ == "__main__":
    x = np.array([[0.0], [2.0]])
    y = np.array([[1.0], [0.0], [0.0]])
    W1 = np.array([[-5.0, 2.0, 2.0], [-5.0, 2.0, -1.0]])
    b1 = np.array([[-3.0], [-2.0], [-3.0]])
    W2 = np.array([[3.0, -4.0, 1.0], [-2.0, -4.0, -2.0], [-4.0, -2.0, 3.0]])
    b2 = np.array([[4.0], [5.0], [5.0]])
    for name, value in zip(("W1", "b1", "W2", "b2"), update(x, y, W1, b1, W2, b2, 0.3, 0.1)):
        print(name, "=\n", value)
