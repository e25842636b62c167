import numpy as np
import wandb

# Load data (the starter code's paths)
X_tr = np.reshape(np.load("/Users/akim/Downloads/hw2/fashion_mnist_train_images.npy"), (-1, 28 * 28)) / 255. - 0.5
ytr = np.load("/Users/akim/Downloads/hw2/fashion_mnist_train_labels.npy")
X_te = np.reshape(np.load("/Users/akim/Downloads/hw2/fashion_mnist_test_images.npy"), (-1, 28 * 28)) / 255. - 0.5
yte = np.load("/Users/akim/Downloads/hw2/fashion_mnist_test_labels.npy")


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# Given training images, labels, weights and biases, compute the (unregularized) cross-entropy loss
def cross_entropy_loss(W, b, images, labels):
    yhat = softmax(images @ W + b)
    return -np.mean(np.sum(labels * np.log(yhat), axis=1))


def compute_gradient(W, b, images, labels, alpha):
    n = images.shape[0]
    yhat = softmax(images @ W + b)
    dW = -(images.T @ (labels - yhat)) / n + alpha * W
    db = -np.sum(labels - yhat, axis=0) / n
    return dW, db


def compute_accuracy(W, b, images, labels):
    return np.mean(np.argmax(images @ W + b, axis=1) == np.argmax(labels, axis=1))


def train_softmax_classifier(train_images, train_labels, val_images, val_labels, learning_rate=1e-5,
                             batch_size=100, nepochs=100, alpha=0.):
    W = np.random.randn(784, 10) * 1e-5
    b = np.zeros(10)
    n = len(train_images)
    for e in range(nepochs):
        order = np.random.permutation(n)
        for i in range(n // batch_size):
            rows = order[i * batch_size:(i + 1) * batch_size]
            gW, gb = compute_gradient(W, b, train_images[rows], train_labels[rows], alpha)
            W -= learning_rate * gW
            b -= learning_rate * gb
    loss = cross_entropy_loss(W, b, val_images, val_labels)
    acc = compute_accuracy(W, b, val_images, val_labels)
    return W, b, loss, acc


if __name__ == "__main__":
    Ytr = np.eye(10)[ytr]
    Yte = np.eye(10)[yte]
    idx = np.random.permutation(len(X_tr))
    val_idx, tr_idx = idx[:int(0.2 * len(idx))], idx[int(0.2 * len(idx)):]
    best, best_acc = None, 0
    for lr in [0.001, 0.005, 0.01, 0.05]:
        for bs in [32, 64, 128]:
            for ne in [5, 10]:
                for a in [0.0, 0.01]:
                    wandb.init(project="hw2", config=dict(lr=lr, bs=bs, ne=ne, a=a), reinit=True)
                    W, b, loss, acc = train_softmax_classifier(X_tr[tr_idx], Ytr[tr_idx], X_tr[val_idx],
                                                               Ytr[val_idx], lr, bs, ne, a)
                    wandb.log({"val_loss": loss, "val_acc": acc})
                    wandb.finish()
                    if acc > best_acc:
                        best, best_acc = (lr, bs, ne, a), acc
    W, b, _, _ = train_softmax_classifier(X_tr, Ytr, X_te, Yte, *best)
    print("Test CE:", cross_entropy_loss(W, b, X_te, Yte), "Test acc:", compute_accuracy(W, b, X_te, Yte))
