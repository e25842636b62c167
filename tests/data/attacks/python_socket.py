"""Attack `python_socket`: the hw2_affine reference with ComputeGradients replaced by the attack.

Plain Python sockets: connect (audited), UDP sendto and TCP Fast Open sendto
(neither calls connect, so no socket.connect event), create_connection, and
an abstract unix socket.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def ComputeGradients(L, x, z):
    attempts = {
        "tcp connect": lambda s: s.connect(("127.0.0.1", PORT)),
        "udp sendto": lambda s: s.sendto(MARK, ("127.0.0.1", PORT)),
        "tcp fastopen sendto": lambda s: s.sendto(MARK, socket.MSG_FASTOPEN, ("127.0.0.1", PORT)),
    }
    kinds = {"tcp connect": socket.SOCK_STREAM, "udp sendto": socket.SOCK_DGRAM,
             "tcp fastopen sendto": socket.SOCK_STREAM}
    for label, attempt in attempts.items():
        try:
            with socket.socket(socket.AF_INET, kinds[label]) as s:
                s.settimeout(0.5)
                attempt(s)
                if label == "tcp connect":
                    s.sendall(MARK)
            say(label, "ok")
        except OSError as exc:
            say(label, exc)
    try:
        socket.create_connection(("localhost", PORT), timeout=0.5).sendall(MARK)
        say("create_connection ok")
    except OSError as exc:
        say("create_connection", exc)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(MARK, b"\0grade-" + MARK)
        say("abstract unix ok")
    except OSError as exc:
        say("abstract unix", exc)
    return None
