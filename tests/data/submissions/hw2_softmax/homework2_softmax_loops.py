"""HW2 -- softmax regression. Written with explicit loops so I could follow the math."""
import math
import numpy as np
import wandb


def softmax(z):
    out = np.zeros(z.shape)
    for i in range(z.shape[0]):
        m = max(z[i])
        total = 0.0
        for k in range(z.shape[1]):
            out[i, k] = math.exp(z[i, k] - m)
            total += out[i, k]
        for k in range(z.shape[1]):
            out[i, k] /= total
    return out


def cross_entropy_loss(W, b, images, labels, alpha):
    probs = softmax(images @ W + b)
    loss = 0.0
    for i in range(len(images)):
        for k in range(10):
            if labels[i, k] == 1:
                loss -= math.log(probs[i, k])
    reg = 0.0
    for row in W:
        for w in row:
            reg += w * w
    return loss / len(images) + alpha / 2 * reg


def compute_gradient(W, b, images, labels, alpha):
    n = len(images)
    probs = softmax(images @ W + b)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    for i in range(n):
        diff = probs[i] - labels[i]
        dW += np.outer(images[i], diff)
        db += diff
    return dW / n + alpha * W, db / n


def compute_accuracy(W, b, images, labels):
    correct = 0
    scores = images @ W + b
    for i in range(len(images)):
        if np.argmax(scores[i]) == np.argmax(labels[i]):
            correct += 1
    return correct / len(images)


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate=1e-5,
                             batch_size=100, nepochs=10, alpha=0.0):
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.01, (784, 10))
    b = np.zeros(10)
    for epoch in range(nepochs):
        order = rng.permutation(len(train_images))
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            # the loop gradient is slow on a big batch, so use the matrix form while training
            X, Y = train_images[rows], train_labels[rows]
            P = np.exp(X @ W + b - (X @ W + b).max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            W -= learning_rate * (X.T @ (P - Y) / len(rows) + alpha * W)
            b -= learning_rate * (P - Y).mean(axis=0)
        val_scores = val_images @ W + b
        val_scores -= val_scores.max(axis=1, keepdims=True)
        val_logp = val_scores - np.log(np.exp(val_scores).sum(axis=1, keepdims=True))
        val_loss = -np.mean(np.sum(val_labels * val_logp, axis=1))
        val_acc = np.mean(val_scores.argmax(axis=1) == val_labels.argmax(axis=1))
        wandb.log({"validation_loss": val_loss, "validation_accuracy": val_acc, "epoch": epoch})
    return W, b


def findBestHyperparameters(train_images, train_labels, val_images, val_labels):
    results = []
    for learning_rate in (0.02, 0.1, 0.3):
        for batch_size, nepochs in ((50, 2), (100, 3), (200, 4)):
            setting = {"learning_rate": learning_rate, "batch_size": batch_size, "nepochs": nepochs, "alpha": 0.0}
            wandb.init(project="softmax-loops", config=setting, reinit=True)
            W, b = train_softmax_classifier(train_images, train_labels, val_images, val_labels,
                                            learning_rate=wandb.config["learning_rate"],
                                            batch_size=wandb.config["batch_size"],
                                            nepochs=wandb.config["nepochs"], alpha=wandb.config["alpha"])
            results.append((cross_entropy_loss(W, b, val_images, val_labels, 0.0), setting))
            wandb.finish()
    results.sort(key=lambda pair: pair[0])
    return results[0][1]


if __name__ == "__main__":
    images = np.load("fashion_mnist_train_images.npy") / 255 - 0.5
    labels = np.eye(10)[np.load("fashion_mnist_train_labels.npy")]
    print(findBestHyperparameters(images[:50000], labels[:50000], images[50000:], labels[50000:]))
