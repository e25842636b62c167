"""Attack `setsid_double_fork`: the hw2_affine reference with ComputeGradients replaced by the attack.

The classic daemon: fork, setsid, fork again, close the standard streams; the
grandchild belongs to no process group the grader knows about.

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
        name_me()
        libc.setsid()
        if libc.fork() == 0:
            libc.setsid()
            null = libc.open(b"/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                libc.dup2(null, fd)
            libc.chdir(b"/")
            haunt()
        os._exit(0)
    libc.waitpid(pid, None, 0)
    say("daemonised from", pid)
    return None
