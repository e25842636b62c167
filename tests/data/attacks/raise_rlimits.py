"""Attack `raise_rlimits`: the hw2_affine reference with ComputeGradients replaced by the attack.

A child that used to be root raising its own limits back up with libc
setrlimit/prlimit64 (address space, CPU, processes, file size, open files),
and trying setuid(0) and setresuid(0, 0, 0).

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import resource


class Rlimit(ctypes.Structure):
    _fields_ = [("cur", ctypes.c_uint64), ("max", ctypes.c_uint64)]


def ComputeGradients(L, x, z):
    infinity = Rlimit(2**64 - 1, 2**64 - 1)
    for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE"):
        number = getattr(resource, name)
        before = resource.getrlimit(number)
        libc.setrlimit(number, ctypes.byref(infinity))
        libc.prlimit64(0, number, ctypes.byref(infinity), None)
        after = resource.getrlimit(number)
        say(name, before, "->", after, "RAISED!" if after[1] > before[1] else "held")
    for label, call in (("setuid(0)", lambda: libc.setuid(0)), ("setresuid(0)", lambda: libc.setresuid(0, 0, 0))):
        result = call()
        say(label, "->", "ROOT!" if result == 0 and os.geteuid() == 0 else errno_text())
    return None
