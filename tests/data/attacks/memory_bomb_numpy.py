"""Attack `memory_bomb_numpy`: the hw2_affine reference with ComputeGradients replaced by the attack.

Memory bombs with numpy and mmap: 50 GB of ones, 16 GB of lazily zeroed
memory, an empty 8 GB array written page by page, and a 32 GB anonymous
MAP_NORESERVE mapping touched from libc.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import numpy as np


def ComputeGradients(L, x, z):
    attempts = {
        "np.ones 50 GB": lambda: np.ones(50 * 2**30 // 8),
        "np.zeros 16 GB": lambda: np.zeros(16 * 2**30 // 8),
        "np.empty 8 GB filled": lambda: np.empty(8 * 2**30 // 8).fill(1.0),
    }
    for label, attempt in attempts.items():
        try:
            attempt()
            say(label, "ALLOCATED")
        except MemoryError:
            say(label, "MemoryError")
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    address = libc.mmap(None, 32 << 30, 3, 0x22 | 0x4000, -1, 0)  # PRIVATE|ANONYMOUS|NORESERVE
    say("mmap 32 GB", "MAPPED" if address not in (None, ctypes.c_void_p(-1).value) else errno_text())
    return None
