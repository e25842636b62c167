"""Attack `libc_fork_daemon`: the hw2_affine reference with ComputeGradients replaced by the attack.

fork() from libc (no os.fork audit event) leaving a child behind that keeps
writing canaries outside the working folder and calling the test's listener.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    pid = libc.fork()
    if pid == 0:
        haunt()
    say("forked", pid)
    return None
