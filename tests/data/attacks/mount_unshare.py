"""Attack `mount_unshare`: the hw2_affine reference with ComputeGradients replaced by the attack.

Rearranging its own view: mount (tmpfs, bind of /, remount read-write),
umount2, unshare, setns into pid 1's namespaces, pivot_root and chroot.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    if AS_ROOT:
        say("root on the real machine: not mounting")
        return None
    here = os.getcwd().encode()
    attempts = {
        "mount tmpfs": lambda: libc.mount(b"none", here, b"tmpfs", 0, None),
        "bind /": lambda: libc.mount(b"/", here, None, 4096, None),  # MS_BIND
        "remount / rw": lambda: libc.mount(None, b"/", None, 32, None),  # MS_REMOUNT
        "umount2 /proc": lambda: libc.umount2(b"/proc", 2),
        "unshare newuser|newns": lambda: libc.unshare(0x10000000 | 0x00020000),
        "setns pid 1 mnt": lambda: libc.setns(libc.open(b"/proc/1/ns/mnt", os.O_RDONLY), 0),
        "pivot_root": lambda: libc.syscall(155, here, here),
        "chroot": lambda: libc.chroot(here),
    }
    for label, attempt in attempts.items():
        result = attempt()
        say(label, "->", "ALLOWED" if result == 0 else errno_text())
    return None
