# Homework 3
# label smoothing as in the lecture on regularisation: the true class keeps
# 1 - eps and the eps is shared by the other q - 1 classes
import numpy as np


def smooth_labels(y, epsilon):
    q = y.shape[0]
    return (1 - epsilon) * y + (epsilon / (q - 1)) * (1 - y)


def softmax(z):
    z = z - np.max(z)
    return np.exp(z) / np.sum(np.exp(z))


def forward(x, W1, b1, W2, b2):
    h = W1.T.dot(x) + b1
    a = np.maximum(0, h)
    z = W2.T.dot(a) + b2
    return h, a, z, softmax(z)


def loss(yhat, ys):
    return -np.sum(ys * np.log(yhat))


def gradients(x, y, W1, b1, W2, b2, epsilon):
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    delta2 = yhat - smooth_labels(y, epsilon)
    delta1 = W2.dot(delta2) * (h > 0).astype(float)
    return np.outer(x, delta1), delta1, np.outer(a, delta2), delta2


def update(x, y, W1, b1, W2, b2, epsilon, eta):
    dW1, db1, dW2, db2 = gradients(x, y, W1, b1, W2, b2, epsilon)
    W1 = W1 - eta * dW1
    b1 = b1 - eta * db1
    W2 = W2 - eta * dW2
    b2 = b2 - eta * db2
    return W1, b1, W2, b2


if __name__ == "__main__":
    x = np.array([0.0, 2.0]); y = np.array([1.0, 0.0, 0.0])
    W1 = np.array([[-5.0, 2.0, 2.0], [-5.0, 2.0, -1.0]]); b1 = np.array([-3.0, -2.0, -3.0])
    W2 = np.array([[3.0, -4.0, 1.0], [-2.0, -4.0, -2.0], [-4.0, -2.0, 3.0]]); b2 = np.array([4.0, 5.0, 5.0])
    print(smooth_labels(y, 0.3))
    print(update(x, y, W1, b1, W2, b2, 0.3, 0.1))
