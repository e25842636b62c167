"""Attack `deep_recursion`: the hw2_affine reference with ComputeGradients replaced by the attack.

Unbounded recursion in C: a recursion limit of ten million, then the JSON
encoding of a list nested 300,000 deep, which overflows the child's 8 MiB C
stack (a segfault) in a fraction of a second. (The repr of such a list also
overflows it, but only after seconds: repr's cycle check is quadratic in the
depth, so the call limit could end it first, a different message.)

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import json
import sys


def ComputeGradients(L, x, z):
    sys.setrecursionlimit(10_000_000)
    nested: list = []
    for _ in range(300_000):
        nested = [nested]
    return json.dumps(nested)
