import numpy as np
import matplotlib.pyplot as plt

# examples are rows: X is (n, 784), Y is (n, 10). W1 is (784, H) so that X @ W1 works.
NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.flatten(), b1, W2.flatten(), b2])


def unpack(w):
    H = NUM_HIDDEN
    W1 = w[:NUM_INPUT * H].reshape(NUM_INPUT, H)
    b1 = w[NUM_INPUT * H:NUM_INPUT * H + H]
    W2 = w[NUM_INPUT * H + H:NUM_INPUT * H + H + H * NUM_OUTPUT].reshape(H, NUM_OUTPUT)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2


def fCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0)
    Z2 = H1 @ W2 + b2
    Z2 -= Z2.max(axis=1, keepdims=True)
    P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    return -np.mean(np.sum(Y * np.log(P), axis=1))


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    Z1 = X @ W1 + b1
    H1 = np.maximum(Z1, 0)
    Z2 = H1 @ W2 + b2
    Z2 -= Z2.max(axis=1, keepdims=True)
    P = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    E = P - Y
    dW2 = H1.T @ E                      # (H, 10)
    db2 = E.mean(axis=0)
    G = (E @ W2.T) * (Z1 > 0)
    dW1 = X.T @ G                       # (784, H)
    db1 = G.mean(axis=0)
    return pack(dW1, db1, dW2, db2)


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.01, batch=64, epochs=3, alpha=0.0):
    W1 = np.random.randn(NUM_INPUT, NUM_HIDDEN) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_HIDDEN, NUM_OUTPUT) / np.sqrt(NUM_HIDDEN)
    w = pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[0]
    history = []
    for epoch in range(epochs):
        perm = np.random.permutation(n)
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[idx], trainY[idx], w) + alpha * pack(W1, 0 * b1, W2, 0 * b2))
        history.append(fCE(valX, valY, w))
        print(f"epoch {epoch + 1}: val CE {history[-1]:.4f}")
    plt.plot(history)
    plt.savefig("loss.png")
    return w, history


def findBestHyperparameters(trainX, trainY, valX, valY):
    best = (np.inf, None)
    for lr in [0.0005, 0.001, 0.002, 0.005]:
        for batch in [32, 64, 128]:
            w, hist = train(trainX, trainY, valX, valY, lr=lr, batch=batch, epochs=2)
            if hist[-1] < best[0]:
                best = (hist[-1], {"lr": lr, "batch": batch, "epochs": 2})
    return best[1]


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy")
    trainY = np.load("mnist_train_labels.npy")
    valX = np.load("mnist_validation_images.npy")
    valY = np.load("mnist_validation_labels.npy")
    print(findBestHyperparameters(trainX, trainY, valX, valY))
