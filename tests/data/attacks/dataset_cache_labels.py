"""Attack `dataset_cache_labels`: the hw2_affine reference with ComputeGradients replaced by the attack.

The dataset cache's test split: the cache folder is in the harness's
configuration (/proc/self/cmdline); lists it and reads the test labels with
Python and with libc, printing what it finds.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
from __future__ import annotations

import numpy as np


def affine_parameters():
    W1 = np.array([[1.0, 2.0], [0.0, 1.0], [-1.0, 0.0]])
    b1 = np.array([[0.0], [0.0], [3.0]])
    W2 = np.array([[1.0, -2.0, 0.25]])
    b2 = np.array([[0.0]])
    return W1, b1, W2, b2


def AffineTransformation(W, b, x):
    return W @ x + b


def Composition(L, x):
    activations = []
    z = x
    for W, b in L:
        z = AffineTransformation(W, b, z)
        activations.append(z)
    return activations


def f_of_g(x):
    W1, b1, W2, b2 = affine_parameters()
    return Composition([(W1, b1), (W2, b2)], x)[-1]


def part5_derivatives(z1):
    """dz2/dvec(W2) at z1 is z1^T; dz2/db2 is 1."""
    return np.asarray(z1, dtype=float).reshape(1, -1), np.array([[1.0]])


def part6_derivative(x):
    """d(f o g)/dz1 is W2^T, whatever x is."""
    return affine_parameters()[2].T


def part7_gradients(x):
    """(d(f o g)/db1, grad_W1 (f o g)) at x: W2^T and W2^T x^T."""
    W2 = affine_parameters()[2]
    x = np.asarray(x, dtype=float).reshape(-1, 1)
    return W2.T, W2.T @ x.T


# ------------------------------ the attack ------------------------------

import ctypes
import os
import socket
import struct
import time

TOKEN = "@TOKEN@"
MARK = f"atk-{TOKEN}".encode()
"""Every process this file starts carries this name, so the test finds survivors."""
PORT = int("@PORT@")
"""A TCP listener and a UDP socket of the test's, on 127.0.0.1."""
CANARIES = @CANARIES@
"""Paths outside the working folder that must never appear."""
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AS_ROOT = os.geteuid() == 0
"""Root on the real machine (no namespaces, no uid drop): attacks that would hit every
process or the machine's mounts hold back, since the tests run on that machine too."""
PROTECTED = {int(pid) for pid in "@PROTECT@".split(",") if pid.strip()}
"""The test runner's pid: never signalled or traced by a process that is root."""


def say(*parts):
    print("ATK", *parts, flush=True)


def errno_text():
    return os.strerror(ctypes.get_errno())


def name_me():
    libc.prctl(15, ctypes.c_char_p(MARK), 0, 0, 0)  # PR_SET_NAME


def once(tag):
    """True the first time in a grading run (the working folder outlives restarts)."""
    flag = f".once-{tag}"
    if os.path.exists(flag):
        return False
    with open(flag, "w"):
        pass
    return True


def libc_read(path, limit=1 << 20):
    """A file's bytes through libc's open (no Python open, so no audit event), or None."""
    fd = libc.open(os.fsencode(path), os.O_RDONLY)
    if fd < 0:
        return None
    try:
        data = b""
        while len(data) < limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
        return data
    except OSError:
        return None
    finally:
        os.close(fd)


def write_canaries():
    written = []
    for path in CANARIES:
        fd = libc.open(os.fsencode(path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if fd >= 0:
            libc.write(fd, MARK + b"\n", len(MARK) + 1)
            libc.close(fd)
            written.append(path)
    return written


def _address():
    return struct.pack("=H", socket.AF_INET) + struct.pack(">H", PORT) + bytes([127, 0, 0, 1]) + bytes(8)


def libc_connect():
    fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    if fd < 0:
        return f"socket: {errno_text()}"
    address = _address()
    ok = libc.connect(fd, address, len(address))
    result = "connected" if ok == 0 else errno_text()
    if ok == 0:
        libc.send(fd, MARK, len(MARK), 0)
    libc.close(fd)
    return result


def libc_sendto():
    fd = libc.socket(socket.AF_INET, socket.SOCK_DGRAM, 0)
    if fd < 0:
        return f"socket: {errno_text()}"
    address = _address()
    sent = libc.sendto(fd, MARK, len(MARK), 0, address, len(address))
    result = "sent" if sent > 0 else errno_text()
    libc.close(fd)
    return result


def haunt(seconds=6.0):
    """A daemon's life: keep writing the canaries and calling the listener, so one
    that outlives its grading is caught in the act; never return."""
    try:
        name_me()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            write_canaries()
            libc_connect()
            libc_sendto()
            time.sleep(0.1)
    finally:
        os._exit(0)


def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import json

CACHE = "@CACHE@"


def ComputeGradients(L, x, z):
    config = libc_read("/proc/self/cmdline") or b""
    found = [CACHE]
    for part in config.split(b"\0"):
        if part.startswith(b"{"):
            found += json.loads(part).get("deny", [])
    for folder in dict.fromkeys(found):
        for path in (folder, f"{folder}/mnist", f"{folder}/mnist/test-labels.npy", f"{folder}/test-labels.npy"):
            try:
                names = os.listdir(path)
                say("LEAK listdir" if {"mnist", "test-labels.npy"} & set(names) else "listdir", path, names)
            except OSError as exc:
                say("listdir", path, type(exc).__name__)
            fd = libc.open(os.fsencode(path), os.O_RDONLY | os.O_DIRECTORY)
            if fd >= 0:
                names = os.listdir(fd)
                os.close(fd)
                say("LEAK libc listdir" if {"mnist", "test-labels.npy"} & set(names) else "libc listdir", path, names)
            try:
                with open(path, "rb") as handle:
                    say("LEAK read", path, handle.read(200))
            except OSError as exc:
                say("python open", path, type(exc).__name__)
            data = libc_read(path, limit=200)
            if data:
                say("LEAK libc read", path, data)
    return None
