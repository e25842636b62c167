"""Attack `wire_memory_write`: the hw2_affine reference with ComputeGradients replaced by the attack.

ctypes writes into its own process's memory aimed at the answer encoder: the
frame marker bytes b"GRD1" (an immutable bytes object, overwritten in place),
and the harness's encoder swapped for one that claims success.

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


def ComputeGradients(L, x, z):
    harness, request_id = serving()
    if harness is None:
        return wrong_answer(L)
    wire = harness.wire
    encode = wire.encode_frame

    def lying_encode(header, value=None):
        header = dict(header, ok=True)
        header.pop("error", None)
        return encode(header, value)

    wire.encode_frame = lying_encode
    marker = wire.MAGIC
    offset = bytes.__basicsize__ - 1  # where a bytes object's characters start
    ctypes.memmove(id(marker) + offset, b"EVIL", 4)
    say("marker is now", marker)
    return wrong_answer(L)
