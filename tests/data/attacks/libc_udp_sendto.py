"""Attack `libc_udp_sendto`: the hw2_affine reference with ComputeGradients replaced by the attack.

libc sendto() of a UDP datagram to the test's port on 127.0.0.1: no connect,
no bind, no audit event.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    say("udp sendto", libc_sendto())
    return None
