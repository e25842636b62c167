# CS/DS 541 HW2 - jsmith
import numpy as np

DATA = "/Users/jsmith/Downloads/hw2/"


# reads the course files and does the preprocessing from the handout:
# pixels to [-0.5, 0.5], one-hot labels, the last 20% of the training set for validation
def loadTrainingData():
    X = np.load(DATA + "fashion_mnist_train_images.npy").reshape(-1, 784) / 255.0 - 0.5
    y = np.eye(10)[np.load(DATA + "fashion_mnist_train_labels.npy")]
    cut = int(0.8 * len(X))
    return X[:cut], y[:cut], X[cut:], y[cut:]


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


# regularized cross-entropy: mean CE + alpha/2 ||W||^2
def cross_entropy_loss(W, b, images, labels, alpha=0.0):
    yhat = softmax(images.dot(W) + b)
    return -np.mean(np.sum(labels * np.log(yhat + 1e-12), axis=1)) + alpha / 2 * np.sum(W * W)


def compute_gradient(W, b, images, labels, alpha):
    n = images.shape[0]
    yhat = softmax(images.dot(W) + b)
    dW = -images.T.dot(labels - yhat) / n + alpha * W
    db = -np.sum(labels - yhat, axis=0) / n
    return dW, db


def compute_accuracy(W, b, images, labels):
    return np.mean(np.argmax(images.dot(W) + b, axis=1) == np.argmax(labels, axis=1))


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate=0.1,
                             batch_size=100, nepochs=1, alpha=0.0):
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.01, (784, 10))
    b = np.zeros(10)
    n = train_images.shape[0]
    for epoch in range(nepochs):
        order = rng.permutation(n)
        for i in range(0, n, batch_size):
            rows = order[i:i + batch_size]
            dW, db = compute_gradient(W, b, train_images[rows], train_labels[rows], alpha)
            W = W - learning_rate * dW
            b = b - learning_rate * db
    return W, b


def findBestHyperparameters():
    Xtr, ytr, Xva, yva = loadTrainingData()
    best, bestAcc = None, 0.0
    for lr in [0.05, 0.1]:
        for bs in [50, 100]:
            W, b = train_softmax_classifier(Xtr, ytr, Xva, yva, learning_rate=lr, batch_size=bs, nepochs=1,
                                            alpha=0.0)
            acc = compute_accuracy(W, b, Xva, yva)
            if acc > bestAcc:
                best, bestAcc = dict(learning_rate=lr, batch_size=bs, nepochs=1, alpha=0.0), acc
    return best


if __name__ == "__main__":
    params = findBestHyperparameters()
    Xtr, ytr, Xva, yva = loadTrainingData()
    W, b = train_softmax_classifier(Xtr, ytr, Xva, yva, **params)
    Xte = np.load(DATA + "fashion_mnist_test_images.npy").reshape(-1, 784) / 255.0 - 0.5
    yte = np.eye(10)[np.load(DATA + "fashion_mnist_test_labels.npy")]
    print("test accuracy", compute_accuracy(W, b, Xte, yte))
