"""Attack `forged_frames_all_fds`: the hw2_affine reference with ComputeGradients replaced by the attack.

Forged 'all correct' answers on every descriptor 0..255 through libc write,
for every request id from 1 to 300, hoping one lands on the grader's answer
channel ahead of the real answer.

Graded by tests/integration/test_attacks.py, which fills in the @...@ placeholders.
"""
@HONEST@
@TOOLKIT@
def wrong_answer(L):
    """Right shapes, wrong values: what the attacked function returns when the attack fails."""
    import numpy as np

    return [(np.zeros(np.shape(W)), np.zeros((np.shape(W)[0], 1))) for W, _ in L]


def serving():
    """The harness object and the id of the request being served, from the frames above."""
    import gc
    import sys

    harness = next((o for o in gc.get_objects() if type(o).__name__ == "Harness"), None)
    frame, request_id = sys._getframe(), None
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and isinstance(request.get("id"), int):
            request_id = request["id"]
        frame = frame.f_back
    return harness, request_id


def raw_frame(header, blobs=()):
    """A well-formed frame, built by hand (the grader's format is public)."""
    import json

    raw = json.dumps(header).encode()
    return (b"GRD1" + struct.pack(">I", len(raw)) + raw + struct.pack(">I", len(blobs))
            + b"".join(struct.pack(">Q", len(blob)) + blob for blob in blobs))

import numpy as np


def ComputeGradients(L, x, z):
    import io

    blob = io.BytesIO()
    np.save(blob, np.ones((3, 2)))
    frames = b"".join(raw_frame({"id": number, "ok": True, "value": [{"$tuple": [{"$array": 0}, 1.0]}]},
                                [blob.getvalue()]) for number in range(1, 301))
    for fd in range(256):
        libc.write(fd, frames, len(frames))
    return wrong_answer(L)
