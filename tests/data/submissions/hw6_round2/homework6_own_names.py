# CS 541 Homework 6 -- 3-layer neural net on MNIST
# I renamed the functions to match the lecture notes: J is the cross-entropy cost,
# grad_J its gradient, sgd the training loop.
import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def relu(z):
    return np.maximum(z, 0)


def softmax(z):
    z = z - np.max(z, axis=0, keepdims=True)  # shift for stability
    e = np.exp(z)
    return e / np.sum(e, axis=0, keepdims=True)


def pack(W1, b1, W2, b2):
    return np.hstack((W1.flatten(), b1, W2.flatten(), b2))


def unpack(w):
    idx1 = NUM_HIDDEN * NUM_INPUT
    idx2 = idx1 + NUM_HIDDEN
    idx3 = idx2 + NUM_OUTPUT * NUM_HIDDEN
    W1 = w[:idx1].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[idx1:idx2]
    W2 = w[idx2:idx3].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[idx3:]
    return W1, b1, W2, b2


def J_CE(X, Y, w):
    # returns the cost and everything the backward pass needs (7 things, like the 2019 starter)
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = relu(z1)
    z2 = W2 @ h1 + b2[:, None]
    yhat = softmax(z2)
    n = X.shape[1]
    cost = -np.sum(Y * np.log(yhat + 1e-12)) / n
    return cost, z1, h1, z2, yhat, W1, W2


def grad_J(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1 = W1 @ X + b1[:, None]
    h1 = relu(z1)
    yhat = softmax(W2 @ h1 + b2[:, None])
    d2 = (yhat - Y) / n
    gW2 = d2 @ h1.T
    gb2 = d2.sum(axis=1)
    g = (W2.T @ d2) * (z1 > 0)
    gW1 = g @ X.T
    gb1 = g.sum(axis=1)
    return pack(gW1, gb1, gW2, gb2)


def init_weights(hidden):
    W1 = np.random.randn(hidden, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, hidden) / np.sqrt(hidden)
    return pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))


def sgd(trainX, trainY, testX, testY, w, lr=0.1, batch_size=64, epochs=3, alpha=0.0):
    n = trainX.shape[1]
    for e in range(epochs):
        order = np.random.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            g = grad_J(trainX[:, idx], trainY[:, idx], w)
            W1, b1, W2, b2 = unpack(w)
            gW1, gb1, gW2, gb2 = unpack(g)
            w = pack(W1 - lr * (gW1 + alpha * W1), b1 - lr * gb1, W2 - lr * (gW2 + alpha * W2), b2 - lr * gb2)
        # print("epoch", e, "test cost", J_CE(testX, testY, w)[0])
    return w


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    testX = np.load("mnist_test_images.npy").T
    testY = np.load("mnist_test_labels.npy").T
    w = init_weights(NUM_HIDDEN)
    from scipy.optimize import check_grad
    print(check_grad(lambda w_: J_CE(trainX[:, :5], trainY[:, :5], w_)[0],
                     lambda w_: grad_J(trainX[:, :5], trainY[:, :5], w_), w))
    w = sgd(trainX, trainY, testX, testY, w)
