"""Attack `ptrace_parent`: the hw2_affine reference with ComputeGradients replaced by the attack.

Inspecting other processes: ptrace(PTRACE_ATTACH/SEIZE) on the parent, the
grader's pid and a child of its own, PTRACE_TRACEME, process_vm_readv, and
/proc/<parent>/mem.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

GRADER_PID = int("@GRADER_PID@")


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("length", ctypes.c_size_t)]


def ComputeGradients(L, x, z):
    if AS_ROOT:
        say("root on the real machine: not tracing the test runner")
        return None
    child = libc.fork()
    if child == 0:
        name_me()
        time.sleep(3)
        os._exit(0)
    buffer = ctypes.create_string_buffer(64)
    local = Iovec(ctypes.cast(buffer, ctypes.c_void_p), 64)
    remote = Iovec(0x400000, 64)
    for pid in (os.getppid(), GRADER_PID, child):
        for label, number, args in (("PTRACE_ATTACH", 101, (16, pid, 0, 0)), ("PTRACE_SEIZE", 101, (0x4206, pid, 0, 0)),
                                    ("process_vm_readv", 310, (pid, ctypes.addressof(local), 1,
                                                               ctypes.addressof(remote), 1, 0))):
            result = libc.syscall(number, *args)
            say(label, pid, "->", "ALLOWED" if result >= 0 else errno_text())
        if pid != child:  # its own child's memory is its own business
            fd = libc.open(os.fsencode(f"/proc/{pid}/mem"), os.O_RDONLY)
            say("mem of", pid, "->", "OPENED" if fd >= 0 else errno_text())
    say("PTRACE_TRACEME ->", "ALLOWED" if libc.syscall(101, 0, 0, 0, 0) >= 0 else errno_text())
    libc.kill(child, 9)
    libc.waitpid(child, None, 0)
    return None
