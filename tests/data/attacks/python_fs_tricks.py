"""Attack `python_fs_tricks`: the hw2_affine reference with ComputeGradients replaced by the attack.

Pure Python file-system calls the audit hook checks loosely or not at all:
os.mkdir, os.mkfifo, os.setxattr, os.symlink and os.link whose *new* name is
outside the working folder (the hook looks at the first argument only).

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    with open("mine.txt", "w") as handle:
        handle.write("mine")
    for index, path in enumerate(CANARIES):
        for label, attempt in (("mkdir", lambda: os.mkdir(path)),
                               ("mkfifo", lambda: os.mkfifo(path + "-fifo")),
                               ("symlink", lambda: os.symlink("mine.txt", path + "-symlink")),
                               ("link", lambda: os.link("mine.txt", path + "-link"))):
            try:
                attempt()
                say(label, path, "MADE")
            except OSError as exc:
                say(label, path, type(exc).__name__)
    for target in ("@COURSE@/reference/hw2_affine/solution.py", "@FOLDER@/homework2_affine_classmate.py"):
        try:
            os.setxattr(target, "user.atk", MARK)
            say("setxattr", target, "CHANGED")
        except OSError as exc:
            say("setxattr", target, type(exc).__name__)
    return None
