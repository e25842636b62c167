"""Attack `bytearray_bomb`: the hw2_affine reference with ComputeGradients replaced by the attack.

Memory bombs without numpy: a 3 GiB bytearray, then a list of 200 MB
chunks grown until something stops it.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    if not once("bytes"):
        return None
    try:
        bytearray(3 * 2**30)
        say("3 GiB bytearray ALLOCATED")
    except MemoryError:
        say("3 GiB bytearray MemoryError")
    hoard = []
    try:
        while len(hoard) < 200:
            hoard.append(bytearray(200 << 20))
        say("hoarded", len(hoard) * 200, "MB")
    except MemoryError:
        say("MemoryError after", len(hoard) * 200, "MB")
    del hoard
    return None
