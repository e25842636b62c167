"""Attack `deep_recursion`: the hw2_affine reference with ComputeGradients replaced by the attack.

Unbounded recursion in C: a recursion limit of ten million, then the repr of
a list nested a million deep, which overflows the C stack (a segfault).

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import sys


def ComputeGradients(L, x, z):
    sys.setrecursionlimit(10_000_000)
    nested = []
    for _ in range(1_000_000):
        nested = [nested]
    return repr(nested)
