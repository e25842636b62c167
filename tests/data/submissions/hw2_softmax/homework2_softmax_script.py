# HW2 Fashion-MNIST softmax regression - run top to bottom
import numpy as np
import matplotlib
matplotlib.use("TkAgg")
import matplotlib.pyplot as plt
import wandb

wandb.login()

train_X = np.load("C:/Users/mgarcia/Documents/CS541/HW2/fashion_mnist_train_images.npy") / 255 - .5
train_y = np.load("C:/Users/mgarcia/Documents/CS541/HW2/fashion_mnist_train_labels.npy")
test_X = np.load("C:/Users/mgarcia/Documents/CS541/HW2/fashion_mnist_test_images.npy") / 255 - .5
test_y = np.load("C:/Users/mgarcia/Documents/CS541/HW2/fashion_mnist_test_labels.npy")
train_Y = np.eye(10)[train_y]
test_Y = np.eye(10)[test_y]


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def cross_entropy_loss(W, b, images, labels, alpha):
    p = softmax(images @ W + b)
    return -(labels * np.log(p)).sum() / len(images) + 0.5 * alpha * (W ** 2).sum()


def compute_gradient(W, b, images, labels, alpha):
    g = softmax(images @ W + b) - labels
    return images.T @ g / len(images) + alpha * W, g.mean(0)


def compute_accuracy(W, b, images, labels):
    return ((images @ W + b).argmax(1) == labels.argmax(1)).mean()


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate, batch_size,
                             nepochs, alpha):
    W, b = np.zeros((784, 10)), np.zeros(10)
    for ep in range(nepochs):
        perm = np.random.permutation(len(train_images))
        for i in range(0, len(perm), batch_size):
            j = perm[i:i + batch_size]
            dW, db = compute_gradient(W, b, train_images[j], train_labels[j], alpha)
            W, b = W - learning_rate * dW, b - learning_rate * db
        wandb.log({"val_loss": cross_entropy_loss(W, b, val_images, val_labels, 0),
                   "val_accuracy": compute_accuracy(W, b, val_images, val_labels)})
    return W, b


def findBestHyperparameters(train_images, train_labels, val_images, val_labels):
    best, best_loss = None, np.inf
    for lr in (0.05, 0.1, 0.2):
        for bs in (50, 100, 200):
            params = dict(learning_rate=lr, batch_size=bs, nepochs=3, alpha=0.0)
            with wandb.init(project="CS541-hw2", config=params, reinit=True):
                c = wandb.config
                W, b = train_softmax_classifier(train_images, train_labels, val_images, val_labels,
                                                c.learning_rate, c.batch_size, c.nepochs, c.alpha)
            loss = cross_entropy_loss(W, b, val_images, val_labels, 0)
            if loss < best_loss:
                best, best_loss = params, loss
    return best


split = int(0.8 * len(train_X))
best = findBestHyperparameters(train_X[:split], train_Y[:split], train_X[split:], train_Y[split:])
W, b = train_softmax_classifier(train_X, train_Y, test_X, test_Y, **best)
print("test loss", cross_entropy_loss(W, b, test_X, test_Y, 0), "test acc", compute_accuracy(W, b, test_X, test_Y))
plt.plot(W[:, 0])
plt.show()
