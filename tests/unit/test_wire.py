"""The wire format: plain values round-trip; anything else is described or refused."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest

from grader.sandbox import wire


def round_trip(value):
    buffer = io.BytesIO()
    wire.write_frame(buffer, {"id": 1}, value)
    buffer.seek(0)
    return wire.read_frame(buffer)["value"]


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, "text", [1, 2.0, None], (1, (2, 3)), {"lr": 0.1, "batch": 64},
     float("nan"), float("inf"), -float("inf")],
)
def test_plain_values_round_trip(value):
    back = round_trip(value)
    if isinstance(value, float) and value != value:
        assert back != back
    else:
        assert back == value and type(back) is type(value)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "uint8", "bool"])
def test_arrays_round_trip_with_dtype_and_shape(dtype):
    array = (np.arange(12).reshape(3, 4) % 2).astype(dtype)
    back = round_trip(array)
    assert back.dtype == array.dtype and back.shape == array.shape and np.array_equal(back, array)


def test_numpy_scalars_stay_scalars():
    assert round_trip(np.float32(1.5)) == 1.5 and np.ndim(round_trip(np.float64(2))) == 0


def test_objects_arrive_described_never_unpickled():
    class Liar:
        def __eq__(self, other):
            return True

    back = round_trip(Liar())
    assert isinstance(back, wire.Unsupported) and "Liar" in back.type_name
    assert back != 15.0


def test_object_arrays_are_described_not_sent():
    back = round_trip(np.array([1, "a"], dtype=object))
    assert isinstance(back, wire.Unsupported) and "object" in back.type_name


def test_ndarray_subclass_with_lying_eq_arrives_as_a_plain_array():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return np.ones(self.shape, dtype=bool)

    back = round_trip(np.zeros(3).view(Sneaky))
    assert type(back) is np.ndarray and not np.array_equal(back, np.ones(3))


def test_file_references_are_refused_in_frames_from_the_child():
    buffer = io.BytesIO()
    wire.write_frame(buffer, {}, wire.NpyFile("/etc/passwd"))
    buffer.seek(0)
    with pytest.raises(wire.WireError):
        wire.read_frame(buffer)
    buffer.seek(0)
    assert isinstance(wire.read_frame(buffer, allow_files=True)["value"], wire.NpyFile)


def frame(header: bytes, arrays: list[bytes] = ()) -> bytes:
    parts = [b"GRD1", struct.pack(">I", len(header)), header, struct.pack(">I", len(arrays))]
    for blob in arrays:
        parts += [struct.pack(">Q", len(blob)), blob]
    return b"".join(parts)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"score": 15}',                                   # JSON printed instead of a frame
        frame(b"not json"),
        frame(b"[1, 2]"),
        frame(b'{"value": {"$array": 0}}'),                 # reference to a missing array
        frame(b'{"value": {"$float": "1e999"}}'),
        frame(b'{"value": {"$weird": 1}}'),
        frame(b'{"value": null}', [b"\x93NUMPY garbage"]),
        b"GRD1" + struct.pack(">I", wire.MAX_HEADER_BYTES + 1),
    ],
)
def test_malformed_frames_raise_wire_error(raw):
    with pytest.raises(wire.WireError):
        wire.read_frame(io.BytesIO(raw))


def test_truncated_frame_is_end_of_stream():
    with pytest.raises(EOFError):
        wire.read_frame(io.BytesIO(frame(b'{"value": 1}')[:10]))


def test_a_header_counts_against_the_budget_as_what_it_decodes_into():
    """Nested empty lists: three bytes of JSON, one list object each. The
    budget counts each header byte HEADER_WEIGHT times and refuses the frame
    before the grader holds it; within budget, ``spent`` is told the cost."""
    buffer = io.BytesIO()
    nested = [[] for _ in range(100_000)]
    wire.write_frame(buffer, {"event": "spy_call"}, nested)
    size = len(buffer.getvalue())
    costs = []
    buffer.seek(0)
    assert wire.read_frame(buffer, budget=lambda header: size * wire.HEADER_WEIGHT, spent=costs.append)["value"] == nested
    assert costs and costs[0] >= 300_000 * wire.HEADER_WEIGHT
    for limit in (lambda header: 1 << 20, lambda header: 1 << 30 if header is None else 1 << 20):
        buffer.seek(0)
        with pytest.raises(wire.OverBudget):
            wire.read_frame(buffer, budget=limit)


def test_a_value_too_large_for_a_header_is_described():
    value = {"rows": ["x" * 1000] * (wire.MAX_HEADER_BYTES // 1000 + 10)}
    found = round_trip(value)
    assert isinstance(found, wire.Unsupported) and "too large to return" in found.text


def test_a_header_field_holding_nan_travels():
    """What the stand-ins record rides in the header: a diverged run logs a NaN loss, and the
    answer must still arrive (it used to be refused by the encoder, and the whole call lost)."""
    buffer = io.BytesIO()
    wire.write_frame(buffer, {"id": 1, "records": {"wandb": [{"rows": [{"loss": float("nan")}]}]}}, 1.0)
    buffer.seek(0)
    frame = wire.read_frame(buffer)
    assert frame["value"] == 1.0 and np.isnan(frame["records"]["wandb"][0]["rows"][0]["loss"])


NPY_CASES = [np.arange(6.0).reshape(2, 3), np.zeros((3, 1)), np.array(2.5), np.zeros((0, 4)), np.array([True, False]),
             np.arange(5, dtype=np.int8), np.arange(3, dtype=">f8"), np.arange(4, dtype=np.uint64).reshape(2, 2),
             np.ones((2, 3, 4), dtype=np.float32), np.zeros((1,) * 40)]


@pytest.mark.parametrize("array", NPY_CASES, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_arrays_travel_as_np_save_writes_them_and_come_back_as_np_load_reads_them(array):
    saved = io.BytesIO()
    np.lib.format.write_array(saved, array, allow_pickle=False)
    assert wire._npy_bytes(array) == saved.getvalue()
    loaded = np.load(io.BytesIO(saved.getvalue()), allow_pickle=False)
    mine = wire._load_array(saved.getvalue())
    assert mine.dtype == loaded.dtype and mine.shape == loaded.shape and mine.flags.writeable
    assert np.array_equal(mine, loaded)


def test_a_fortran_order_npy_is_read_in_its_order():
    array = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    saved = io.BytesIO()
    np.lib.format.write_array(saved, array, allow_pickle=False)
    assert np.array_equal(wire._load_array(saved.getvalue()), array)


@pytest.mark.parametrize("blob", [
    wire._npy_bytes(np.arange(4.0))[:-1],  # data shorter than its shape
    wire._npy_bytes(np.arange(4.0)).replace(b"'<f8'", b"'|O8'"),  # objects: would need pickle
    wire._npy_bytes(np.arange(4.0)).replace(b"'<f8'", b"'<U2'"),  # a dtype the wire does not carry
    wire._npy_bytes(np.arange(4.0)).replace(b"(4,)", b"(4,,"),  # a header that is not a literal
], ids=["short", "object", "unicode", "garbled"])
def test_a_malformed_npy_blob_is_refused(blob):
    with pytest.raises(wire.WireError):
        wire._load_array(blob)
