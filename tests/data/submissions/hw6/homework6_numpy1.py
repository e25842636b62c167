import numpy as np

# Written for numpy 1: np.float was removed in numpy 2.
NUM_INPUT = 784
NUM_HIDDEN = 40
NUM_OUTPUT = 10

def unpack(w):
    W1 = w[:NUM_HIDDEN * NUM_INPUT].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[NUM_HIDDEN * NUM_INPUT:NUM_HIDDEN * (NUM_INPUT + 1)]
    W2 = w[NUM_HIDDEN * (NUM_INPUT + 1):-NUM_OUTPUT].reshape(NUM_OUTPUT, NUM_HIDDEN)
    return W1, b1, W2, w[-NUM_OUTPUT:]

def pack(W1, b1, W2, b2):
    return np.concatenate((W1.flatten(), b1, W2.flatten(), b2))

def fCE(X, Y, w):
    X = X.astype(np.float)
    W1, b1, W2, b2 = unpack(w)
    z2 = W2.dot(np.maximum(W1.dot(X) + b1[:, None], 0)) + b2[:, None]
    e = np.exp(z2 - z2.max(0))
    return -np.sum(Y * np.log(e / e.sum(0))) / X.shape[1]
