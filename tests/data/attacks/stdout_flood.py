"""Attack `stdout_flood`: the hw2_affine reference with ComputeGradients replaced by the attack.

Floods both output pipes from libc write() and os.write(), from the main
thread and a daemon, without going through sys.stdout's buffer.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    block = b"y" * (1 << 20)
    if not once("flood"):
        return None
    if libc.fork() == 0:
        name_me()
        for _ in range(100):
            libc.write(2, block, len(block))
        os._exit(0)
    for _ in range(40):
        libc.write(1, block, len(block))
        os.write(2, block)
    return None
