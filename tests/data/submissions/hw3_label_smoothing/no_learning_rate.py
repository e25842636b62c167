import numpy as np


# ---------------- Problem 1 ----------------
def smooth_labels(y, epsilon):
    return (1 - epsilon) * y + epsilon / y.shape[0]


def forward(x, W1, b1, W2, b2):
    h = W1.T.dot(x) + b1
    a = np.maximum(h, 0.0)
    z = W2.T.dot(a) + b2
    expz = np.exp(z - z.max())
    return h, a, z, expz / expz.sum()


def loss(yhat, ys):
    return -ys.dot(np.log(yhat))


def gradients(x, y, W1, b1, W2, b2, epsilon):
    h, a, z, yhat = forward(x, W1, b1, W2, b2)
    e = yhat - smooth_labels(y, epsilon)
    back = W2.dot(e) * (h > 0)
    return np.outer(x, back), back, np.outer(a, e), e


# ---------------- Problem 2 ----------------
def update(x, y, W1, b1, W2, b2, epsilon, eta):
    dW1, db1, dW2, db2 = gradients(x, y, W1, b1, W2, b2, epsilon)
    return W1 - dW1, b1 - db1, W2 - dW2, b2 - db2


if __name__ == "__main__":
    x = np.array([0., 2.])
    y = np.array([1., 0., 0.])
    W1 = np.array([[-5., 2., 2.], [-5., 2., -1.]])
    b1 = np.array([-3., -2., -3.])
    W2 = np.array([[3., -4., 1.], [-2., -4., -2.], [-4., -2., 3.]])
    b2 = np.array([4., 5., 5.])
    print(update(x, y, W1, b1, W2, b2, 0.3, 0.1))
