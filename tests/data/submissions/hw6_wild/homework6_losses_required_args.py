import numpy as np
import matplotlib.pyplot as plt
import scipy
from scipy import optimize

np.random.seed(2021)

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10

def unpack(w):
    W1 = np.reshape(w[:NUM_INPUT * NUM_HIDDEN], (NUM_HIDDEN, NUM_INPUT))
    b1 = w[NUM_INPUT * NUM_HIDDEN:NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN]
    W2 = np.reshape(w[NUM_INPUT * NUM_HIDDEN + NUM_HIDDEN:-NUM_OUTPUT], (NUM_OUTPUT, NUM_HIDDEN))
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2

def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))

def softmax(z):
    z = z - np.max(z, axis=0, keepdims=True)
    return np.exp(z) / np.sum(np.exp(z), axis=0, keepdims=True)

def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    yhat = softmax(W2 @ np.maximum(0, W1 @ X + b1[:, None]) + b2[:, None])
    loss = -np.sum(Y * np.log(yhat)) / X.shape[1]
    acc = np.mean(np.argmax(yhat, 0) == np.argmax(Y, 0))
    return loss, acc

def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(0, z1)
    yhat = softmax(W2 @ h1 + b2[:, None])
    n = X.shape[1]
    gT = ((yhat - Y).T @ W2) * (z1.T > 0)
    return pack(gT.T @ X.T / n, np.mean(gT.T, axis=1), (yhat - Y) @ h1.T / n, np.mean(yhat - Y, axis=1))

def train(trainX, trainY, valX, valY, hidden, lr, batch, epochs, alpha):
    global NUM_HIDDEN
    NUM_HIDDEN = hidden
    W1 = np.random.randn(hidden, NUM_INPUT) / NUM_INPUT ** 0.5
    W2 = np.random.randn(NUM_OUTPUT, hidden) / hidden ** 0.5
    w = pack(W1, np.zeros(hidden), W2, np.zeros(NUM_OUTPUT))
    train_losses, val_losses = [], []
    n = trainX.shape[1]
    for epoch in range(epochs):
        perm = np.random.permutation(n)
        for it, s in enumerate(range(0, n, batch)):
            idx = perm[s:s + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, idx], trainY[:, idx], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
            if it % 5 == 0:
                loss, acc = fCE(trainX[:, idx], trainY[:, idx], w)
                train_losses.append(loss)
                print("epoch %d iter %d minibatch loss %.5f acc %.3f" % (epoch, it, loss, acc))
        val_losses.append(fCE(valX, valY, w)[0])
        print("=" * 60)
        print("epoch %d validation loss %.5f" % (epoch, val_losses[-1]))
        print("=" * 60)
    plt.figure()
    plt.plot(train_losses)
    plt.show()
    return w, train_losses, val_losses

def findBestHyperparameters(trainX, trainY, valX, valY):
    best = {}
    best_acc = 0
    for hidden in [30, 40, 50]:
        for lr in [0.01, 0.1]:
            for batch in [64, 256]:
                w, _, _ = train(trainX, trainY, valX, valY, hidden, lr, batch, 1, 0.0)
                loss, acc = fCE(valX, valY, w)
                if acc > best_acc:
                    best_acc = acc
                    best = {"hidden": hidden, "lr": lr, "batch": batch, "epochs": 1, "alpha": 0.0}
    with open("best_hyperparameters.txt", "w") as f:
        f.write(str(best))
    return best

if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    print(findBestHyperparameters(trainX, trainY, valX, valY))
