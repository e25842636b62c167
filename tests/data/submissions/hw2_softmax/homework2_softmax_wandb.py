# CS/DS 541 Homework 2 - Problems 1-3
# Softmax regression on Fashion-MNIST, tracked with Weights & Biases.
import numpy as np
import wandb
import matplotlib.pyplot as plt

PROJECT = "hw2-softmax-jsmith"


def softmax(z):
    z = z - np.max(z, axis=1, keepdims=True)  # for numerical stability
    ez = np.exp(z)
    return ez / np.sum(ez, axis=1, keepdims=True)


def cross_entropy_loss(W, b, images, labels, alpha):
    n = images.shape[0]
    yhat = softmax(images.dot(W) + b)
    ce = -np.sum(labels * np.log(yhat + 1e-12)) / n
    return ce + alpha / 2 * np.sum(W ** 2)


def compute_gradient(W, b, images, labels, alpha):
    n = images.shape[0]
    yhat = softmax(images.dot(W) + b)
    err = yhat - labels
    dW = images.T.dot(err) / n + alpha * W
    db = np.mean(err, axis=0)
    return dW, db


def compute_accuracy(W, b, images, labels):
    yhat = softmax(images.dot(W) + b)
    return np.mean(np.argmax(yhat, axis=1) == np.argmax(labels, axis=1))


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate=1e-5,
                             batch_size=100, nepochs=10, alpha=0.0):
    W = 0.01 * np.random.randn(train_images.shape[1], 10)
    b = np.zeros(10)
    n = train_images.shape[0]
    for epoch in range(nepochs):
        idx = np.random.permutation(n)
        for start in range(0, n, batch_size):
            batch = idx[start:start + batch_size]
            dW, db = compute_gradient(W, b, train_images[batch], train_labels[batch], alpha)
            W = W - learning_rate * dW
            b = b - learning_rate * db
        val_loss = cross_entropy_loss(W, b, val_images, val_labels, 0)
        val_acc = compute_accuracy(W, b, val_images, val_labels)
        wandb.log({"epoch": epoch, "val_loss": val_loss, "val_acc": val_acc})
    return W, b, val_loss, val_acc


def findBestHyperparameters(train_images, train_labels, val_images, val_labels):
    best = None
    best_acc = -1
    for lr in [0.01, 0.05, 0.1]:
        for batch_size in [64, 256]:
            for alpha in [0.0, 0.001]:
                if batch_size == 256 and alpha > 0 and lr == 0.01:
                    continue  # 11 settings are enough
                run = wandb.init(project=PROJECT, config={"learning_rate": lr, "batch_size": batch_size,
                                                          "nepochs": 3, "alpha": alpha}, reinit=True)
                config = wandb.config
                W, b, val_loss, val_acc = train_softmax_classifier(
                    train_images, train_labels, val_images, val_labels, learning_rate=config.learning_rate,
                    batch_size=config.batch_size, nepochs=config.nepochs, alpha=config.alpha)
                print(f"lr={lr} batch={batch_size} alpha={alpha}: val loss {val_loss:.4f} acc {val_acc:.4f}")
                if val_acc > best_acc:
                    best_acc = val_acc
                    best = dict(config)
                wandb.finish()
    return best


if __name__ == "__main__":
    X = np.load("fashion_mnist_train_images.npy") / 255.0 - 0.5
    y = np.eye(10)[np.load("fashion_mnist_train_labels.npy")]
    perm = np.random.permutation(X.shape[0])
    val, tr = perm[:12000], perm[12000:]
    params = findBestHyperparameters(X[tr], y[tr], X[val], y[val])
    print("best:", params)
    W, b, _, _ = train_softmax_classifier(X[tr], y[tr], X[val], y[val], **params)
    Xte = np.load("fashion_mnist_test_images.npy") / 255.0 - 0.5
    yte = np.eye(10)[np.load("fashion_mnist_test_labels.npy")]
    print("test CE", cross_entropy_loss(W, b, Xte, yte, 0), "test acc", compute_accuracy(W, b, Xte, yte))
    plt.imshow(W[:, 0].reshape(28, 28))
    plt.show()
