# Homework 6 - Neural Networks
# I wrote the network as a class so the hyperparameters live with the weights.
import numpy as np

NUM_INPUT = 784
NUM_OUTPUT = 10


def pack(W1, b1, W2, b2):
    return np.concatenate([W1.flatten(), b1.flatten(), W2.flatten(), b2.flatten()])


class NeuralNetwork:
    def __init__(self, num_hidden, learning_rate, batch_size=64):
        self.num_hidden = num_hidden
        self.lr = learning_rate
        self.batch_size = batch_size
        self.W1 = np.random.randn(num_hidden, NUM_INPUT) / np.sqrt(NUM_INPUT)
        self.b1 = np.zeros(num_hidden)
        self.W2 = np.random.randn(NUM_OUTPUT, num_hidden) / np.sqrt(num_hidden)
        self.b2 = np.zeros(NUM_OUTPUT)

    def unpack(self, w):
        H = self.num_hidden
        return (w[:H * 784].reshape(H, 784), w[H * 784:H * 785], w[H * 785:H * 795].reshape(10, H), w[H * 795:])

    def fCE(self, X, Y, w):
        W1, b1, W2, b2 = self.unpack(w)
        h1 = np.maximum(W1 @ X + b1[:, None], 0)
        z2 = W2 @ h1 + b2[:, None]
        z2 -= z2.max(axis=0)
        logp = z2 - np.log(np.exp(z2).sum(axis=0))
        return -np.sum(Y * logp) / X.shape[1]

    def gradCE(self, X, Y, w):
        W1, b1, W2, b2 = self.unpack(w)
        z1 = W1 @ X + b1[:, None]
        h1 = np.maximum(z1, 0)
        z2 = W2 @ h1 + b2[:, None]
        p = np.exp(z2 - z2.max(axis=0))
        p /= p.sum(axis=0)
        d = (p - Y) / X.shape[1]
        g = (W2.T @ d) * (z1 > 0)
        return pack(g @ X.T, g.sum(1), d @ h1.T, d.sum(1))

    def train(self, X, Y, epochs):
        w = pack(self.W1, self.b1, self.W2, self.b2)
        for _ in range(epochs):
            for i in range(0, X.shape[1], self.batch_size):
                w = w - self.lr * self.gradCE(X[:, i:i + self.batch_size], Y[:, i:i + self.batch_size], w)
        self.W1, self.b1, self.W2, self.b2 = self.unpack(w)
        return w


if __name__ == "__main__":
    X = np.load("mnist_train_images.npy").T
    Y = np.load("mnist_train_labels.npy").T
    net = NeuralNetwork(40, 0.1)
    net.train(X, Y, 3)
