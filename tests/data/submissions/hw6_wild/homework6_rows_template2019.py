# CS 541 HW6 -- Spring 2019 template
# Name: K. Oduya
import numpy as np
import matplotlib.pyplot as plt
import scipy.optimize
from tqdm import tqdm

NUM_INPUT = 784  # Number of input neurons
NUM_HIDDEN = 40  # Number of hidden neurons
NUM_OUTPUT = 10  # Number of output neurons
NUM_CHECK = 5  # Number of examples on which to check the gradient

# Given a vector w containing all the weights and biased vectors, extract
# and return the individual weights and biases W1, b1, W2, b2.
# This is useful for performing a gradient check with check_grad.
# NOTE: I keep the examples as ROWS (n x 784) so W1 is 784 x NUM_HIDDEN
def unpack (w):
    H = (w.shape[0] - NUM_OUTPUT) // (NUM_INPUT + NUM_OUTPUT + 1)
    idx = 0
    W1 = w[idx:idx + NUM_INPUT*H].reshape(NUM_INPUT, H); idx += NUM_INPUT*H
    b1 = w[idx:idx + H]; idx += H
    W2 = w[idx:idx + H*NUM_OUTPUT].reshape(H, NUM_OUTPUT); idx += H*NUM_OUTPUT
    b2 = w[idx:]
    return W1, b1, W2, b2

# Given individual weights and biases W1, b1, W2, b2, concatenate them and
# return a vector w containing all of them.
# This is useful for performing a gradient check with check_grad.
def pack (W1, b1, W2, b2):
    return np.concatenate([W1.ravel(), b1.ravel(), W2.ravel(), b2.ravel()])

# Load the images and labels from a specified dataset (train or test).
def loadData (which):
    images = np.load("mnist_{}_images.npy".format(which))
    labels = np.load("mnist_{}_labels.npy".format(which))
    return images, labels

def relu(z):
    return np.maximum(z, 0)

def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)

# Given training images X, associated labels Y, and a vector of combined weights
# and bias terms w, compute and return the cross-entropy (CE) loss. You might
# want to extend this function to return multiple arguments (in which case you
# will also need to modify slightly the gradient check code below).
def fCE (X, Y, w):
    W1, b1, W2, b2 = unpack(w)
    z1 = X.dot(W1) + b1
    h1 = relu(z1)
    z2 = h1.dot(W2) + b2
    yhat = softmax(z2)
    cost = -np.sum(Y * np.log(yhat + 1e-12)) / X.shape[0]
    acc = np.mean(yhat.argmax(1) == Y.argmax(1))
    return cost, acc, z1, h1, W1, W2, yhat

# Given training images X, associated labels Y, and a vector of combined weights
# and bias terms w, compute and return the gradient of fCE. You might
# want to extend this function to return multiple arguments (in which case you
# will also need to modify slightly the gradient check code below).
def gradCE (X, Y, w):
    cost, acc, z1, h1, W1, W2, yhat = fCE(X, Y, w)
    n = X.shape[0]
    d2 = (yhat - Y) / n
    gW2 = h1.T.dot(d2)
    gb2 = d2.sum(0)
    g = d2.dot(W2.T) * (z1 > 0)
    gW1 = X.T.dot(g)
    gb1 = g.sum(0)
    return pack(gW1, gb1, gW2, gb2)

# Given training and testing datasets and an initial set of weights/biases b,
# train the NN.
def train (trainX, trainY, testX, testY, w, epsilon = 0.1, batchSize = 64, numEpochs = 3, alpha = 0.):
    n = trainX.shape[0]
    for epoch in tqdm(range(numEpochs)):
        perm = np.random.permutation(n)
        for start in range(0, n, batchSize):
            b = perm[start:start+batchSize]
            W1, b1, W2, b2 = unpack(w)
            g = gradCE(trainX[b], trainY[b], w)
            w = w - epsilon * (g + alpha * pack(W1, np.zeros_like(b1), W2, np.zeros_like(b2)))
        cost, acc = fCE(testX, testY, w)[:2]
        print("epoch %d: loss %.4f acc %.4f" % (epoch, cost, acc))
    return w

def initWeights(H):
    W1 = 2*(np.random.random(size=(NUM_INPUT, H))/NUM_INPUT**0.5) - 1./NUM_INPUT**0.5
    b1 = 0.01 * np.ones(H)
    W2 = 2*(np.random.random(size=(H, NUM_OUTPUT))/H**0.5) - 1./H**0.5
    b2 = 0.01 * np.ones(NUM_OUTPUT)
    return pack(W1, b1, W2, b2)

def findBestHyperparameters(trainX, trainY, valX, valY):
    best = None
    bestLoss = 1e9
    # the number of hidden units is set by the size of w
    for H in [30, 50]:
        for epsilon in [0.05, 0.1, 0.5]:
            for batchSize in [64, 128]:
                w = train(trainX, trainY, valX, valY, initWeights(H), epsilon, batchSize, 1, 0.)
                loss = fCE(valX, valY, w)[0]
                print("H=%d eps=%g bs=%d -> val loss %.4f" % (H, epsilon, batchSize, loss))
                if loss < bestLoss:
                    bestLoss = loss
                    best = {"NUM_HIDDEN": H, "epsilon": epsilon, "batchSize": batchSize, "numEpochs": 1, "alpha": 0.}
    return best

if __name__ == "__main__":
    # Load data
    trainX, trainY = loadData("train")
    valX, valY = loadData("validation")
    testX, testY = loadData("test")

    # Initialize weights randomly
    w = initWeights(NUM_HIDDEN)

    # Check that the gradient is correct on just a few examples (randomly drawn).
    idxs = np.random.permutation(trainX.shape[0])[0:NUM_CHECK]
    print(scipy.optimize.check_grad(lambda w_: fCE(np.atleast_2d(trainX[idxs,:]), np.atleast_2d(trainY[idxs,:]), w_)[0], \
                                    lambda w_: gradCE(np.atleast_2d(trainX[idxs,:]), np.atleast_2d(trainY[idxs,:]), w_), \
                                    w))

    params = findBestHyperparameters(trainX, trainY, valX, valY)
    print(params)
    w = train(trainX, trainY, testX, testY, initWeights(params["NUM_HIDDEN"]), params["epsilon"], params["batchSize"], params["numEpochs"], params["alpha"])
    print(fCE(testX, testY, w)[:2])
    plt.show()
