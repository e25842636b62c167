"""Attack `libc_tcp_connect`: the hw2_affine reference with ComputeGradients replaced by the attack.

libc socket()/connect()/send() to the test's TCP listener on 127.0.0.1 (no
socket.connect audit event); a forked helper keeps trying for a few seconds.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    say("tcp connect", libc_connect())
    if once("helper") and libc.fork() == 0:
        haunt(4)
    return None
