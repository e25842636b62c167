# Homework 2 (2019 version): softmax regression with fCE / gradfCE / fPC.
import numpy as np


def fCE(X, Y, w):
    # X is (785, n) with a row of ones appended; w is (785, 10)
    Z = w.T.dot(X)
    Z = Z - Z.max(axis=0)
    Yhat = np.exp(Z) / np.exp(Z).sum(axis=0)
    return -np.mean(np.sum(Y * np.log(Yhat), axis=0))


def gradfCE(X, Y, w):
    Z = w.T.dot(X)
    Yhat = np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)
    return X.dot((Yhat - Y).T) / X.shape[1]


def fPC(X, Y, w):
    return np.mean(np.argmax(w.T.dot(X), axis=0) == np.argmax(Y, axis=0))


def softmaxRegression(trainingImages, trainingLabels, testingImages, testingLabels, epsilon=None, batchSize=None):
    w = 1e-5 * np.random.randn(trainingImages.shape[0], 10)
    n = trainingImages.shape[1]
    for epoch in range(10):
        for i in range(0, n, batchSize):
            w -= epsilon * gradfCE(trainingImages[:, i:i + batchSize], trainingLabels[:, i:i + batchSize], w)
        print(epoch, fCE(trainingImages, trainingLabels, w))
    return w


if __name__ == "__main__":
    trainingImages = np.load("fashion_mnist_train_images.npy").T / 255.
    trainingImages = np.vstack((trainingImages, np.ones(trainingImages.shape[1])))
    trainingLabels = np.eye(10)[np.load("fashion_mnist_train_labels.npy")].T
    w = softmaxRegression(trainingImages, trainingLabels, None, None, epsilon=0.1, batchSize=100)
