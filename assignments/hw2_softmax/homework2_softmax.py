"""Homework 2, problems 1-3: softmax regression on Fashion-MNIST.

Shapes used throughout:
    images  (n, 784)  pixels scaled from 0..255 to [-0.5, 0.5]
    labels  (n, 10)   one-hot: row i has a 1 in the column of image i's class
    W       (784, 10) weights;  b (10,) biases
    z = images @ W + b  (n, 10) logits;  yhat = softmax(z), one row per image

Implement each function below, then run this file to tune and test your
model. Check your work with:  grade submit homework2_softmax_<you>.py
"""

import numpy as np


def softmax(z):
    """Probabilities for logits z (n, 10), row by row: exp(z_ij) / sum_l exp(z_il).
    Must not overflow for large logits (hint: softmax(z) = softmax(z - c) for any c per row)."""
    raise NotImplementedError


def cross_entropy_loss(W, b, images, labels, alpha):
    """Mean cross-entropy of the model on (images, labels), plus (alpha / 2) ||W||_F^2.
    The biases are not regularised."""
    raise NotImplementedError


def compute_gradient(W, b, images, labels, alpha):
    """The gradient of cross_entropy_loss: returns (dW, db), shaped like (W, b)."""
    raise NotImplementedError


def compute_accuracy(W, b, images, labels):
    """The fraction (0..1) of images whose most probable class is their label."""
    raise NotImplementedError


def train_softmax_classifier(train_images, train_labels, val_images, val_labels,
                             learning_rate=1e-5, batch_size=100, nepochs=10, alpha=0.0):
    """Minibatch stochastic gradient descent from small random weights.
    Returns (W, b, ...): the trained weights and biases first; you may return more
    after them (e.g. the validation loss and accuracy of the last epoch).
    Problem 3: log the validation loss and accuracy to W&B after every epoch."""
    raise NotImplementedError


def findBestHyperparameters(train_images, train_labels, val_images, val_labels):
    """Try at least 9 settings of (learning_rate, batch_size, nepochs, alpha), calling
    train_softmax_classifier once per setting and comparing them on the validation data
    only. Returns the best setting as a dict of train_softmax_classifier's keyword
    arguments, e.g. {"learning_rate": 0.05, "batch_size": 64, "nepochs": 5, "alpha": 0.0}.
    Problem 3: one W&B run per setting: wandb.init(project=..., config=setting,
    reinit=True), read the setting back from wandb.config, train, wandb.finish()."""
    raise NotImplementedError


if __name__ == "__main__":
    def load(split):
        images = np.load(f"fashion_mnist_{split}_images.npy") / 255.0 - 0.5
        labels = np.eye(10)[np.load(f"fashion_mnist_{split}_labels.npy")]
        return images, labels

    images, labels = load("train")
    # Hold out a random 20% of the training images for validation.
    order = np.random.default_rng(0).permutation(len(images))
    cut = len(images) // 5
    val_images, val_labels = images[order[:cut]], labels[order[:cut]]
    train_images, train_labels = images[order[cut:]], labels[order[cut:]]

    best = findBestHyperparameters(train_images, train_labels, val_images, val_labels)
    W, b = train_softmax_classifier(train_images, train_labels, val_images, val_labels, **best)[:2]
    test_images, test_labels = load("test")
    print("best setting:", best)
    print("test cross-entropy (unregularised):", cross_entropy_loss(W, b, test_images, test_labels, 0.0))
    print("test accuracy:", compute_accuracy(W, b, test_images, test_labels))
