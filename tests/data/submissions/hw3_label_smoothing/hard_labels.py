# HW3 - label smoothing
# Name: Priya K.
import numpy as np


def smooth_labels(y, epsilon):
    q = len(y)
    return (1 - epsilon) * y + epsilon / q


def relu(v):
    return np.maximum(v, 0)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def forward(x, W1, b1, W2, b2):
    h = W1.T @ x + b1
    a = relu(h)
    z = W2.T @ a + b2
    yhat = softmax(z)
    return h, a, z, yhat


def loss(yhat, ys):
    return -np.sum(ys * np.log(yhat))


def gradients(x, y, W1, b1, W2, b2, epsilon):
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    # dL/dz for softmax + cross entropy
    dz = yhat - y
    dW2 = np.outer(a, dz)
    db2 = dz
    dh = (W2 @ dz) * (h > 0)
    dW1 = np.outer(x, dh)
    db1 = dh
    return dW1, db1, dW2, db2


def update(x, y, W1, b1, W2, b2, epsilon, eta):
    dW1, db1, dW2, db2 = gradients(x, y, W1, b1, W2, b2, epsilon)
    return W1 - eta * dW1, b1 - eta * db1, W2 - eta * dW2, b2 - eta * db2


if __name__ == "__main__":
    x = np.array([0, 2])
    y = np.array([1, 0, 0])
    W1 = np.array([[-5, 2, 2], [-5, 2, -1]])
    b1 = np.array([-3, -2, -3])
    W2 = np.array([[3, -4, 1], [-2, -4, -2], [-4, -2, 3]])
    b2 = np.array([4, 5, 5])
    print(forward(x, W1, b1, W2, b2))
    for p in update(x, y, W1, b1, W2, b2, 0.3, 0.1):
        print(p)
