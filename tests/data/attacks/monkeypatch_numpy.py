"""Attack `monkeypatch_numpy`: the hw2_affine reference with ComputeGradients replaced by the attack.

Patches numpy's comparisons, the json and struct modules the harness encodes
with, and isinstance, in its own process, then returns zeros.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import builtins
import json

import numpy as np


def ComputeGradients(L, x, z):
    np.allclose = lambda *args, **kwargs: True
    np.array_equal = lambda *args, **kwargs: True
    np.isclose = lambda *args, **kwargs: True
    np.testing.assert_allclose = lambda *args, **kwargs: None
    original_dumps = json.dumps
    json.dumps = lambda obj, **kwargs: original_dumps(dict(obj, ok=True) if isinstance(obj, dict) else obj, **kwargs)
    original_isinstance = builtins.isinstance
    builtins.isinstance = lambda obj, kind: True if kind is np.ndarray else original_isinstance(obj, kind)
    return wrong_answer(L)
