"""Attack `atexit_and_os_exit`: the hw2_affine reference with ComputeGradients replaced by the attack.

Exit handlers that would start a daemon and write the canaries (atexit,
threading's atexit, a SIGTERM handler), then os._exit(3) in the middle of a
call; the grader ends children with SIGKILL, so no handler gets to run.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import atexit
import signal
import threading


def on_exit(*args):
    write_canaries()
    if libc.fork() == 0:
        haunt()


atexit.register(on_exit)
threading._register_atexit(on_exit)
signal.signal(signal.SIGTERM, on_exit)
signal.signal(signal.SIGINT, on_exit)


def ComputeGradients(L, x, z):
    os._exit(3)
