# Unit 3 - neural networks assignment
# ported from my MATLAB version (gd.m, shallow.m)
import math
import time
import numpy as np
import matplotlib.pyplot as plt

# ---------------- part 1 ----------------
def f(x):
    return math.pow(x, 4) / 4 - 3 * math.pow(x, 3) + 7 * x - 5

def grad_f(x):
    return math.pow(x, 3) - 9 * math.pow(x, 2) + 7

def gradient_descent(x0, learning_rate, iterations):
    # returns the function values (what we plot)
    x = x0
    vals = [f(x)]
    for k in range(iterations):
        x = x - learning_rate * grad_f(x)
        vals.append(f(x))
    return vals

def find_local_minimum(x0=0.0, learning_rates=(0.01, 0.05, 0.1), iterations=30):
    x = x0
    for k in range(200):
        x = x - 0.05 * grad_f(x)
    return x, f(x), 0.05

for lr in [0.01, 0.05, 0.1]:
    plt.plot(gradient_descent(0, lr, 30), label="lr=%g" % lr)
plt.xlabel("iteration"); plt.ylabel("f(x)"); plt.legend()
plt.show()
print("minimum:", find_local_minimum())

# ---------------- part 2 ----------------
def sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * z))

def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)

def predict_proba(params, X):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    return softmax(sigmoid(X @ W1.T + b1) @ W2 + b2)

def loss(params, X, Y):
    P = predict_proba(params, X)
    return -np.sum(Y * np.log(P + 1e-12)) / X.shape[0]

def gradients(params, X, Y):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    H = sigmoid(X @ W1.T + b1)
    P = softmax(H @ W2 + b2)
    d2 = (P - Y) / X.shape[0]
    d1 = (d2 @ W2.T) * H * (1 - H)
    return {"dW1": d1.T @ X, "db1": d1.sum(0), "dW2": H.T @ d2, "db2": d2.sum(0)}

def train_shallow(X, Y, hidden=100, learning_rate=0.5, batch_size=300, epochs=10, seed=0):
    np.random.seed(seed)
    # W1 is (hidden, 784) as in MATLAB's net.IW
    params = {"W1": np.random.randn(hidden, 784) * 0.03, "b1": np.zeros(hidden),
              "W2": np.random.randn(hidden, 10) * 0.1, "b2": np.zeros(10)}
    n = X.shape[0]
    for ep in range(epochs):
        idx = np.random.permutation(n)
        for s in range(0, n, batch_size):
            b = idx[s:s + batch_size]
            g = gradients(params, X[b], Y[b])
            for name in ("W1", "b1", "W2", "b2"):
                params[name] = params[name] - learning_rate * g["d" + name]
    return params

def search_learning_rate(X, Y, Xval, Yval, learning_rates=(0.05, 0.1, 0.5, 1.0, 2.0)):
    results = {}
    for lr in learning_rates:
        t = time.time()
        p = train_shallow(X, Y, learning_rate=lr, epochs=4)
        acc = np.mean(predict_proba(p, Xval).argmax(1) == Yval.argmax(1))
        print("lr", lr, "val acc", acc, "time", time.time() - t)
        results[lr] = acc
    best = max(results, key=results.get)
    return {"learning_rate": best}

# ---------------- part 3 ----------------
def train_improved(X, Y, Xval, Yval):
    np.random.seed(1)
    W1 = np.random.randn(784, 200) * np.sqrt(2 / 784); b1 = np.zeros(200)
    W2 = np.random.randn(200, 10) * np.sqrt(1 / 200); b2 = np.zeros(10)
    n = X.shape[0]
    for ep in range(8):
        idx = np.random.permutation(n)
        for s in range(0, n, 100):
            b = idx[s:s + 100]
            z = X[b] @ W1 + b1
            h = np.maximum(z, 0)
            d2 = (softmax(h @ W2 + b2) - Y[b]) / len(b)
            d1 = (d2 @ W2.T) * (z > 0)
            W2 -= 0.1 * h.T @ d2; b2 -= 0.1 * d2.sum(0)
            W1 -= 0.1 * X[b].T @ d1; b1 -= 0.1 * d1.sum(0)
    return [(W1, b1, "ReLU"), (W2, b2, "Softmax")]

# the data the way the course gave it to us in MATLAB, converted to .npy
Xtr = np.load("fashion_mnist_train_images.npy") / 255.0
Ytr = np.eye(10)[np.load("fashion_mnist_train_labels.npy")]
best = search_learning_rate(Xtr[:50000], Ytr[:50000], Xtr[50000:], Ytr[50000:])
print("best", best)
