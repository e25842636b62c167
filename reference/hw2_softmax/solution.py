"""Reference solution for hw2_softmax (CS/DS 541 HW2, problems 1-3). Hidden:
never shipped to students and never readable by submitted code.

It follows the student stub exactly (images (n, 784) in [-0.5, 0.5], labels
one-hot (n, 10), W (784, 10), b (10,)), so the grader can grade it as a
submission: it must score full marks, experiment tracking included.
"""

from __future__ import annotations

import numpy as np

# Nine settings: three learning rates, each with three (batch size, epochs, L2) triples.
SEARCH = tuple(
    dict(learning_rate=lr, batch_size=batch, nepochs=epochs, alpha=alpha)
    for lr in (0.02, 0.05, 0.1)
    for batch, epochs, alpha in ((32, 5, 0.0), (64, 8, 0.0), (128, 10, 1e-4))
)
PROJECT = "cs541-hw2-softmax"


def softmax(z):
    """Row-wise softmax, shifted by each row's max so exp never overflows."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy_loss(W, b, images, labels, alpha=0.0):
    """Mean cross-entropy plus (alpha / 2) ||W||_F^2 (biases not regularised)."""
    z = np.asarray(images, dtype=np.float64) @ W + b
    n = len(z)
    return float(-np.sum(labels * _log_softmax(z)) / n + alpha / 2 * np.sum(W * W))


def compute_gradient(W, b, images, labels, alpha=0.0):
    """(dW, db): -(1/n) X^T (Y - Yhat) + alpha W, and -(1/n) sum (Y - Yhat)."""
    X = np.asarray(images, dtype=np.float64)
    n = len(X)
    delta = (softmax(X @ W + b) - labels) / n
    return X.T @ delta + alpha * W, delta.sum(axis=0)


def compute_accuracy(W, b, images, labels):
    predicted = (np.asarray(images, dtype=np.float64) @ W + b).argmax(axis=1)
    return float(np.mean(predicted == np.asarray(labels).argmax(axis=1)))


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate=1e-5,
                             batch_size=64, nepochs=10, alpha=0.0):
    """Minibatch SGD from small random weights; after every epoch the
    validation loss and accuracy are logged to the current W&B run, if any.
    Returns (W, b, validation loss, validation accuracy)."""
    import wandb

    X = np.asarray(train_images, dtype=np.float32)
    Y = np.asarray(train_labels, dtype=np.float32)
    rng = np.random.default_rng(0)
    W = (rng.normal(0, 0.01, (X.shape[1], Y.shape[1]))).astype(np.float32)
    b = np.zeros(Y.shape[1], dtype=np.float32)
    lr, reg = np.float32(learning_rate), np.float32(alpha)
    loss = accuracy = float("nan")
    for epoch in range(int(nepochs)):
        order = rng.permutation(len(X))
        for start in range(0, len(X), int(batch_size)):
            rows = order[start:start + int(batch_size)]
            xb, yb = X[rows], Y[rows]
            z = xb @ W + b
            e = np.exp(z - z.max(axis=1, keepdims=True))
            delta = (e / e.sum(axis=1, keepdims=True) - yb) / np.float32(len(rows))
            W -= lr * (xb.T @ delta + reg * W)
            b -= lr * delta.sum(axis=0)
        loss = cross_entropy_loss(W, b, val_images, val_labels, alpha=0.0)
        accuracy = compute_accuracy(W, b, val_images, val_labels)
        if wandb.run is not None:
            wandb.log({"epoch": epoch + 1, "val_loss": loss, "val_accuracy": accuracy})
    return W.astype(np.float64), b.astype(np.float64), loss, accuracy


def findBestHyperparameters(train_images, train_labels, val_images, val_labels):
    """Train once per setting, each in its own W&B run; keep the lowest
    validation cross-entropy. Returns the keyword arguments of the best run."""
    import wandb

    best, best_loss = None, np.inf
    for setting in SEARCH:
        wandb.init(project=PROJECT, config=setting, reinit=True)
        config = wandb.config
        W, b, loss, accuracy = train_softmax_classifier(
            train_images, train_labels, val_images, val_labels, learning_rate=config.learning_rate,
            batch_size=config.batch_size, nepochs=config.nepochs, alpha=config.alpha)
        wandb.finish()
        print(f"{setting}: validation CE {loss:.4f}, accuracy {accuracy:.2%}")
        if loss < best_loss:
            best, best_loss = setting, loss
    return dict(best)


if __name__ == "__main__":
    def load(split):
        images = np.load(f"fashion_mnist_{split}_images.npy") / 255.0 - 0.5
        labels = np.eye(10)[np.load(f"fashion_mnist_{split}_labels.npy")]
        return images, labels

    images, labels = load("train")
    order = np.random.default_rng(0).permutation(len(images))
    val, train = order[:10000], order[10000:]
    best = findBestHyperparameters(images[train], labels[train], images[val], labels[val])
    W, b, _, _ = train_softmax_classifier(images[train], labels[train], images[val], labels[val], **best)
    test_images, test_labels = load("test")
    print("test CE", cross_entropy_loss(W, b, test_images, test_labels, 0.0),
          "accuracy", compute_accuracy(W, b, test_images, test_labels))
