"""Attack `dataset_cache_labels`: the hw2_affine reference with ComputeGradients replaced by the attack.

The dataset cache's test split: the cache folder is in the harness's
configuration (/proc/self/cmdline); lists it and reads the test labels with
Python and with libc, printing what it finds.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
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
