import numpy as np

NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10
LEARNING_RATE = 0.1
BATCH_SIZE = 128
EPOCHS = 1


def pack(W1, b1, W2, b2):
    return np.concatenate((W1.ravel(), b1.ravel(), W2.ravel(), b2.ravel()))


def unpack(w):
    i = NUM_HIDDEN * NUM_INPUT
    W1 = w[:i].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[i:i + NUM_HIDDEN]
    W2 = w[i + NUM_HIDDEN:i + NUM_HIDDEN + NUM_OUTPUT * NUM_HIDDEN].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2


def forward(X, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1 @ X + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2 @ h1 + b2[:, None]
    z2 = z2 - z2.max(axis=0, keepdims=True)
    yhat = np.exp(z2) / np.exp(z2).sum(axis=0, keepdims=True)
    return z1, h1, yhat


def fCE(X, Y, w):
    yhat = forward(X, w)[2]
    return -np.mean(np.sum(Y * np.log(yhat), axis=0))


def gradCE(X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1, h1, yhat = forward(X, w)
    n = X.shape[1]
    d = (yhat - Y) / n
    g = (W2.T @ d) * (z1 > 0)
    return pack(g @ X.T, g.sum(axis=1), d @ h1.T, d.sum(axis=1))


# TODO use the arguments -- for now everything comes from the constants at the top
def train(trainX, trainY, valX, valY, hidden=40, lr=0.1, batch=64, epochs=2, alpha=0.0):
    np.random.seed(541)
    W1 = np.random.randn(NUM_HIDDEN, NUM_INPUT) / np.sqrt(NUM_INPUT)
    W2 = np.random.randn(NUM_OUTPUT, NUM_HIDDEN) / np.sqrt(NUM_HIDDEN)
    w = pack(W1, np.zeros(NUM_HIDDEN), W2, np.zeros(NUM_OUTPUT))
    n = trainX.shape[1]
    for _ in range(EPOCHS):
        order = np.random.permutation(n)
        for s in range(0, n, BATCH_SIZE):
            i = order[s:s + BATCH_SIZE]
            w = w - LEARNING_RATE * gradCE(trainX[:, i], trainY[:, i], w)
    return w


def findBestHyperparameters(trainX, trainY, valX, valY):
    best_setting, best_loss = None, np.inf
    for hidden in (30, 40, 50):
        for lr in (0.01, 0.05, 0.1, 0.5):
            setting = dict(hidden=hidden, lr=lr, batch=128, epochs=1, alpha=0.0)
            w = train(trainX, trainY, valX, valY, **setting)
            loss = fCE(valX, valY, w)
            print(setting, loss)
            if loss < best_loss:
                best_setting, best_loss = setting, loss
    return best_setting


if __name__ == "__main__":
    trainX = np.load("mnist_train_images.npy").T
    trainY = np.load("mnist_train_labels.npy").T
    valX = np.load("mnist_validation_images.npy").T
    valY = np.load("mnist_validation_labels.npy").T
    print(findBestHyperparameters(trainX, trainY, valX, valY))
