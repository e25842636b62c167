# CS541 Homework 6  -- written with python 2.7 (the lab machines)
import numpy as np
import scipy.optimize

NUM_INPUT = 784  # Number of input neurons
NUM_HIDDEN = 40  # Number of hidden neurons
NUM_OUTPUT = 10  # Number of output neurons
NUM_CHECK = 5  # Number of examples on which to check the gradient

def unpack (w):
    W1 = w[0:NUM_INPUT*NUM_HIDDEN].reshape(NUM_HIDDEN, NUM_INPUT)
    b1 = w[NUM_INPUT*NUM_HIDDEN:NUM_INPUT*NUM_HIDDEN+NUM_HIDDEN]
    W2 = w[NUM_INPUT*NUM_HIDDEN+NUM_HIDDEN:-NUM_OUTPUT].reshape(NUM_OUTPUT, NUM_HIDDEN)
    b2 = w[-NUM_OUTPUT:]
    return W1, b1, W2, b2

def pack (W1, b1, W2, b2):
    return np.hstack((W1.flatten(), b1, W2.flatten(), b2))

def loadData (which):
    images = np.load("mnist_%s_images.npy" % which).T
    labels = np.load("mnist_%s_labels.npy" % which).T
    return images, labels

def fCE (X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = W1.dot(X) + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2.dot(h1) + b2[:, None]
    e = np.exp(z2 - z2.max(0))
    yhat = e / e.sum(0)
    return -np.sum(Y * np.log(yhat)) / X.shape[1]

def gradCE (X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    n = X.shape[1]
    z1 = W1.dot(X) + b1[:, None]
    h1 = np.maximum(z1, 0)
    z2 = W2.dot(h1) + b2[:, None]
    e = np.exp(z2 - z2.max(0))
    yhat = e / e.sum(0)
    g = W2.T.dot(yhat - Y) * (z1 > 0)
    return pack(g.dot(X.T) / n, g.sum(1) / n, (yhat - Y).dot(h1.T) / n, (yhat - Y).sum(1) / n)

def train (trainX, trainY, testX, testY, w, lr=0.1, batch=64, epochs=1, alpha=0.):
    n = trainX.shape[1]
    for e in xrange(epochs):
        p = np.random.permutation(n)
        for i in xrange(n / batch):
            idx = p[i*batch:(i+1)*batch]
            W1, b1, W2, b2 = unpack(w)
            w = w - lr * (gradCE(trainX[:, idx], trainY[:, idx], w) + alpha * pack(W1, 0*b1, W2, 0*b2))
        print "epoch", e, "loss", fCE(testX, testY, w)
    return w

def findBestHyperparameters (trainX, trainY, valX, valY):
    best, bestLoss = None, 1e10
    for lr in [0.01, 0.05, 0.1, 0.5]:
        for batch in [32, 64, 128]:
            w0 = np.random.randn(NUM_INPUT*NUM_HIDDEN+NUM_HIDDEN+NUM_HIDDEN*NUM_OUTPUT+NUM_OUTPUT) / 28.
            w = train(trainX, trainY, valX, valY, w0, lr, batch, 2)
            loss = fCE(valX, valY, w)
            print "lr=%g batch=%d loss=%.4f" % (lr, batch, loss)
            if loss < bestLoss:
                best, bestLoss = {'lr': lr, 'batch': batch, 'epochs': 2}, loss
    return best

if __name__ == "__main__":
    trainX, trainY = loadData("train")
    valX, valY = loadData("validation")
    w = np.random.randn(NUM_INPUT*NUM_HIDDEN+NUM_HIDDEN+NUM_HIDDEN*NUM_OUTPUT+NUM_OUTPUT) / 28.
    print scipy.optimize.check_grad(lambda w_: fCE(trainX[:, :5], trainY[:, :5], w_), lambda w_: gradCE(trainX[:, :5], trainY[:, :5], w_), w)
    print findBestHyperparameters(trainX, trainY, valX, valY)
