"""Attack `disk_fill_workdir`: the hw2_affine reference with ComputeGradients replaced by the attack.

Fills the disk from the working folder, the only writable place: fallocate
(real blocks, instantly) 1 GiB files, one after another. The per-file limit
(RLIMIT_FSIZE) stops each file at 1 GiB, not their number. Bounded here to
three files.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import signal

FILES = 3


def ComputeGradients(L, x, z):
    if not once("fill"):
        return None
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    total = 0
    for index in range(FILES):
        with open(f"fill-{index}.bin", "wb") as handle:
            try:
                os.posix_fallocate(handle.fileno(), 0, 1 << 30)
                total += 1 << 30
            except OSError as exc:
                say("fallocate", index, exc)
    try:
        with open("fill-big.bin", "wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, 2 << 30)
            total += 2 << 30
    except OSError as exc:
        say("one 2 GiB file:", exc.strerror)
    say("ALLOCATED", total, "in", os.getcwd())
    return None
