"""Attack `exit_pid_ns_init`: the hw2_affine reference with ComputeGradients replaced by the attack.

Ends the process the namespace's init is waiting for (os._exit in the harness
process) while a setsid daemon it forked is still running, hoping the daemon
outlives the namespace.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    if libc.fork() == 0:
        libc.setsid()
        haunt()
    time.sleep(0.2)
    os._exit(0)
