"""Attack `threads_left_running`: the hw2_affine reference with ComputeGradients replaced by the attack.

Threads that never end: one spins, one prints, one keeps trying the canaries
and the listener through libc; the function itself returns at once.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import threading


def spin():
    while True:
        pass


def chatter():
    while True:
        print("still here", flush=True)
        time.sleep(0.05)


def prowl():
    while True:
        write_canaries()
        libc_connect()
        libc_sendto()
        time.sleep(0.1)


def ComputeGradients(L, x, z):
    if once("threads"):
        for target in (spin, chatter, prowl):
            threading.Thread(target=target, daemon=True).start()
    return None
