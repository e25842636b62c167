"""Attack `kill_init_in_ns`: the hw2_affine reference with ComputeGradients replaced by the attack.

Signals the namespace's init (pid 1, bubblewrap) from inside: SIGKILL,
SIGTERM, SIGSEGV, SIGSTOP with libc kill, and SIGKILL through a pidfd.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import signal


def ComputeGradients(L, x, z):
    say("my pid", os.getpid(), "parent", os.getppid())
    if AS_ROOT or os.getppid() != 1:
        say("not in a PID namespace: pid 1 is the machine's init, leave it alone")
        return None
    for number in (signal.SIGSTOP, signal.SIGSEGV, signal.SIGTERM, signal.SIGKILL):
        result = libc.kill(1, number)
        say("kill(1,", signal.Signals(number).name, ") ->", "SENT" if result == 0 else errno_text())
    try:
        signal.pidfd_send_signal(os.pidfd_open(1), signal.SIGKILL)
        say("pidfd SIGKILL 1 SENT")
    except OSError as exc:
        say("pidfd SIGKILL 1", exc.strerror)
    return None
