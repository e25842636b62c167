import numpy as np


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


# I split the validation set off inside the search (the last 2000 training images)
def findBestHyperparameters(train_images, train_labels):
    Xtr, ytr = train_images[:-2000], train_labels[:-2000]
    Xva, yva = train_images[-2000:], train_labels[-2000:]
    results = []
    for alpha in (0.0, 0.001):
        for lr in (0.05, 0.1):
            W, b = train_softmax_classifier(Xtr, ytr, Xva, yva, learning_rate=lr, batch_size=100, nepochs=1,
                                            alpha=alpha)
            results.append((compute_accuracy(W, b, Xva, yva), lr, alpha))
    acc, lr, alpha = max(results)
    return {"learning_rate": lr, "batch_size": 100, "nepochs": 1, "alpha": alpha}


if __name__ == "__main__":
    X = np.load("fashion_mnist_train_images.npy") / 255.0 - 0.5
    Y = np.eye(10)[np.load("fashion_mnist_train_labels.npy")]
    print(findBestHyperparameters(X, Y))
