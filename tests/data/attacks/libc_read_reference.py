"""Attack `libc_read_reference`: the hw2_affine reference with ComputeGradients replaced by the attack.

Reads the hidden reference solution with libc open/read through ctypes (no
Python `open`, so the audit hook never hears of it) from the course folder
and the grader's own checkout, and returns its answers.

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


def ComputeGradients(L, x, z):
    for path in ("@COURSE@/reference/hw2_affine/solution.py", "@CHECKOUT@/reference/hw2_affine/solution.py"):
        source = libc_read(path)
        say("libc open", path, "->", "read" if source else errno_text())
        if source:
            return use_reference(source, L, x, z)
    return wrong_answer(L)
