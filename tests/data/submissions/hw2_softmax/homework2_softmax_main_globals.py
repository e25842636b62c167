# Homework 2 - softmax regression on Fashion-MNIST
# (the 2025 template: hyperparameters are set in main and used as globals)
import numpy as np
import matplotlib.pyplot as plt


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)   # for numerical stability
    ez = np.exp(z)
    return ez / np.sum(ez, axis=1, keepdims=True)


def cross_entropy_loss(W, b, images, labels, alpha):
    yhat = softmax(images @ W + b)
    ce = -np.mean(np.sum(labels * np.log(yhat + 1e-12), axis=1))
    return ce + (alpha / 2) * np.sum(W ** 2)


def compute_gradient(W, b, images, labels, alpha):
    n = images.shape[0]
    yhat = softmax(images @ W + b)
    dW = images.T @ (yhat - labels) / n + alpha * W
    db = np.mean(yhat - labels, axis=0)
    return dW, db


def compute_accuracy(W, b, images, labels):
    preds = np.argmax(images @ W + b, axis=1)
    return np.mean(preds == np.argmax(labels, axis=1))


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate, nepochs):
    # alpha and batch_size come from main (see below)
    n = train_images.shape[0]
    W = 0.01 * np.random.randn(784, 10)
    b = np.zeros(10)
    for epoch in range(nepochs):
        perm = np.random.permutation(n)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            dW, db = compute_gradient(W, b, train_images[idx], train_labels[idx], alpha)
            W = W - learning_rate * dW
            b = b - learning_rate * db
        print("epoch", epoch, "val acc", compute_accuracy(W, b, val_images, val_labels))
    return W, b


if __name__ == "__main__":
    import sys

    alpha = 0.0
    batch_size = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    lr = 0.1
    lr = 0.05  # 0.1 was a bit unstable

    X = np.load("fashion_mnist_train_images.npy") / 255.0 - 0.5
    y = np.eye(10)[np.load("fashion_mnist_train_labels.npy")]
    Xte = np.load("fashion_mnist_test_images.npy") / 255.0 - 0.5
    yte = np.eye(10)[np.load("fashion_mnist_test_labels.npy")]
    W, b = train_softmax_classifier(X[:50000], y[:50000], X[50000:], y[50000:], lr, 10)
    print("test accuracy:", compute_accuracy(W, b, Xte, yte))
    plt.imshow(W[:, 0].reshape(28, 28))
    plt.show()
