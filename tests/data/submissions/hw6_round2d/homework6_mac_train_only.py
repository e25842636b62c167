# Homework 6
# Note to grader: the data is in my Downloads folder
import numpy as np

VAL_IMAGES = "/Users/jsmith/Downloads/mnist_validation_images.npy"
VAL_LABELS = "/Users/jsmith/Downloads/mnist_validation_labels.npy"


NUM_INPUT = 784  # Number of input neurons
NUM_HIDDEN = 40  # Number of hidden neurons
NUM_OUTPUT = 10  # Number of output neurons


# Unpack a list of weights and biases into their individual np.arrays.
def unpack(weightsAndBiases):
    start = 0
    end = NUM_INPUT * NUM_HIDDEN
    W1 = weightsAndBiases[start:end].reshape(NUM_HIDDEN, NUM_INPUT)
    start = end
    end = end + NUM_HIDDEN
    b1 = weightsAndBiases[start:end]
    start = end
    end = end + NUM_HIDDEN * NUM_OUTPUT
    W2 = weightsAndBiases[start:end].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = weightsAndBiases[end:end + NUM_OUTPUT]
    return W1, b1, W2, b2


def pack(W1, b1, W2, b2):
    return np.hstack([W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()])


def relu(z):
    return np.maximum(z, 0)


def softmax(z):
    z = z - np.max(z, axis=0, keepdims=True)  # for stability
    e = np.exp(z)
    return e / np.sum(e, axis=0, keepdims=True)


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1.reshape(-1, 1)
    h1 = relu(z1)
    yhat = softmax(W2.dot(h1) + b2.reshape(-1, 1))
    return z1, h1, yhat


# Given training images X, associated labels Y, and a vector of combined weights
# and bias terms w, compute and return the cross-entropy (CE) loss.
def fCE(X, Y, w):
    _, _, yhat = forward(X, w)
    return -np.mean(np.sum(Y * np.log(yhat + 1e-12), axis=0))


# Given training images X, associated labels Y, and a vector of combined weights
# and bias terms w, compute and return the gradient of fCE.
def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1, h1, yhat = forward(X, w)
    d2 = (yhat - Y) / n
    gradW2 = d2.dot(h1.T)
    gradb2 = d2.sum(axis=1)
    g = W2.T.dot(d2) * (z1 > 0)
    gradW1 = g.dot(X.T)
    gradb1 = g.sum(axis=1)
    return pack(gradW1, gradb1, gradW2, gradb2)


def initWeights(hidden):
    W1 = 2 * (np.random.random(size=(hidden, NUM_INPUT)) / NUM_INPUT ** 0.5) - 1. / NUM_INPUT ** 0.5
    b1 = 0.01 * np.ones(hidden)
    W2 = 2 * (np.random.random(size=(NUM_OUTPUT, hidden)) / hidden ** 0.5) - 1. / hidden ** 0.5
    b2 = 0.01 * np.ones(NUM_OUTPUT)
    return pack(W1, b1, W2, b2)


# Train the network with minibatch SGD. X is (784, n), Y is (10, n).
def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=1, alpha=0.0):
    global NUM_HIDDEN
    NUM_HIDDEN = hidden
    w = initWeights(hidden)
    n = trainX.shape[1]
    for e in range(epochs):
        order = np.random.permutation(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            grad = gradCE(trainX[:, idx], trainY[:, idx], w)
            W1, b1, W2, b2 = unpack(w)
            # L2 on the weights only
            grad = grad + alpha * pack(W1, 0 * b1, W2, 0 * b2)
            w = w - lr * grad
    return w


def accuracy(X, Y, w):
    _, _, yhat = forward(X, w)
    return np.mean(np.argmax(yhat, axis=0) == np.argmax(Y, axis=0))


# only the training data is passed in; the validation set is read from disk here
def findBestHyperparameters(trainX, trainY):
    valX = np.load(VAL_IMAGES).T
    valY = np.load(VAL_LABELS).T
    results = {}
    for lr in [0.05, 0.1]:
        for batch in [32, 64]:
            w = train(trainX, trainY, valX, valY, hidden=40, lr=lr, batch=batch, epochs=1)
            results[(lr, batch)] = fCE(valX, valY, w)
    lr, batch = min(results, key=results.get)
    return {"hidden": 40, "lr": lr, "batch": batch, "epochs": 1}


if __name__ == "__main__":
    X = np.load("/Users/jsmith/Downloads/mnist_train_images.npy").T
    Y = np.load("/Users/jsmith/Downloads/mnist_train_labels.npy").T
    print(findBestHyperparameters(X, Y))
