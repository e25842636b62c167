"""Hostile zips: names that lead outside the folder, links, bombs (truthful headers and lying
ones, nested), encryption, and more files than a submission holds. Each is refused (or its bad
member passed over) in bounded time and memory, and nothing lands outside the keep folder."""

from __future__ import annotations

import io
import stat
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from grader import assignments
from grader.submissions import read
from grader.submissions.zips import ZipLimits

HW2 = assignments.get("hw2_affine")
ANSWER = "def affine_parameters():\n    return 1\n"
MiB = 1 << 20


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


def patch_central_directory(raw: bytes, name: str, **fields: int) -> bytes:
    """Rewrite a member's central directory entry (what zipfile believes): ``flag_bits``,
    ``file_size`` (uncompressed) or ``compress_size``, as a hostile zip maker would."""
    offsets = {"flag_bits": (8, "<H"), "compress_size": (20, "<I"), "file_size": (24, "<I")}
    at = raw.index(b"PK\x01\x02")
    data = bytearray(raw)
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + length]).decode() == name:
            for field, value in fields.items():
                offset, form = offsets[field]
                struct.pack_into(form, data, at + offset, value)
            return bytes(data)
        at = raw.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} not in the central directory")


@pytest.mark.parametrize(
    "evil", ["../../evil.py", "/etc/x", "C:\\Windows\\evil.py", "hw/../../evil.py", "C:/evil.py"],
)
def test_a_name_leading_outside_the_folder_refuses_the_zip_and_writes_nothing(tmp_path, evil):
    path = tmp_path / "sub" / "homework2_affine_jsmith.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("homework2_affine_jsmith.py", ANSWER)
        archive.writestr("report.pdf", b"%PDF-1.1")
        archive.writestr(evil, "import os\n")
    before = files_under(tmp_path)
    handed = read(path, HW2, keep=tmp_path / "sub" / "kept")
    assert handed.source is None and "leads outside its folder" in handed.refusal
    assert repr(evil.replace("\\", "/")) in handed.refusal
    assert files_under(tmp_path) == before
    assert not Path("/etc/x").exists() or Path("/etc/x").read_bytes() != b"import os\n"


def test_a_link_member_is_passed_over_never_extracted_or_followed(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("homework2_affine_jsmith.py", ANSWER)
        link = zipfile.ZipInfo("report.pdf")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        fifo = zipfile.ZipInfo("pipe")
        fifo.create_system = 3
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        archive.writestr(fifo, "")
    handed = read(path, HW2, keep=tmp_path / "kept")
    assert handed.source == ANSWER and handed.companions == ()
    assert any("link report.pdf" in note for note in handed.notes)
    assert any("special file pipe" in note for note in handed.notes)
    assert not (tmp_path / "kept").exists() or files_under(tmp_path / "kept") == set()


def test_a_link_that_is_the_python_file_is_not_graded_through(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("homework2_affine_jsmith.py")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert "holds no Python file" in read(path, HW2).refusal


def write_bomb(path: Path, gigabytes: float) -> None:
    """A true zip bomb: ``gigabytes`` of zeros deflated, streamed in 1 MiB writes (never in
    memory), beside the student's real answer."""
    chunk = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("homework2_affine_jsmith.py", ANSWER)
        with archive.open("screenshots.pdf", "w", force_zip64=True) as member:
            for _ in range(int(gigabytes * 1024)):
                member.write(chunk)


def bounded(call):
    """``call()``'s result, seconds and peak traced memory."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
        return result, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_zip_bomb_is_refused_in_bounded_time_and_memory(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.zip"
    started = time.perf_counter()
    write_bomb(path, 2.1)
    assert time.perf_counter() - started < 10, "building the bomb took too long for a unit test"
    assert path.stat().st_size < 16 * MiB
    handed, seconds, peak = bounded(lambda: read(path, HW2, keep=tmp_path / "kept"))
    assert handed.source is None and "screenshots.pdf in the zip" in handed.refusal
    assert seconds < 5 and peak < 32 * MiB, (seconds, peak)
    assert not (tmp_path / "kept" / "screenshots.pdf").exists()


def test_a_member_that_packs_like_a_bomb_is_refused_by_its_ratio(tmp_path):
    """40 MiB of zeros is under every size cap, but no homework file packs 200 times smaller."""
    path = tmp_path / "homework2_affine_jsmith.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("homework2_affine_jsmith.py", ANSWER)
        archive.writestr("figure.png", bytes(40 * MiB))
    assert "figure.png in the zip unpacks to 41,943,040 bytes from" in read(path, HW2).refusal


@pytest.mark.parametrize(
    ("member", "declared", "says"),
    [
        ("homework2_affine_jsmith.py", 60 * MiB, "larger than 2,097,152 bytes"),
        ("screenshots.pdf", 60 * MiB, "damaged"),
        ("screenshots.pdf", 900 * 1024, "damaged"),
    ],
    ids=["source past its cap", "companion past its declared size", "small declared size"],
)
def test_a_bomb_whose_headers_lie_is_counted_as_it_unpacks(tmp_path, member, declared, says):
    """The central directory claims a size within every cap; the member really unpacks to 512 MiB.
    Reading counts what comes and never believes the header, so it stops early either way."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        if member != "homework2_affine_jsmith.py":
            archive.writestr("homework2_affine_jsmith.py", ANSWER)
        with archive.open(member, "w") as stream:
            for _ in range(512):
                stream.write(bytes(MiB))
    path = tmp_path / "homework2_affine_jsmith.zip"
    path.write_bytes(patch_central_directory(buffer.getvalue(), member, file_size=declared))
    handed, seconds, peak = bounded(lambda: read(path, HW2, keep=tmp_path / "kept"))
    assert handed.source is None and says in handed.refusal, handed.refusal
    assert seconds < 5 and peak < 32 * MiB, (seconds, peak)


def test_a_zip_quine_of_nested_zips_ends_at_one_level(tmp_path):
    """A zip holding a zip holding a zip ... (as a quine would, forever) is read one level deep."""
    inner = b""
    for depth in range(30):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"level{depth}.zip", inner or b"PK\x05\x06" + bytes(18))
        inner = buffer.getvalue()
    path = tmp_path / "homework2_affine_jsmith.zip"
    path.write_bytes(inner)
    handed, seconds, _ = bounded(lambda: read(path, HW2))
    assert "not read" in handed.refusal and seconds < 2


@pytest.mark.parametrize(
    ("limits", "says"),
    [
        (ZipLimits(members=5), "holds 8 files, more than the 5 a submission may hold"),
        (ZipLimits(archive_bytes=100), "more than the 100 a submission may be"),
        (ZipLimits(total_bytes=3000), "add up to more than 3,000 bytes"),
        (ZipLimits(directory_bytes=200), "list of files takes"),
    ],
    ids=["members", "archive size", "total size", "directory size"],
)
def test_the_caps_on_count_and_size_refuse_before_anything_unpacks(tmp_path, limits, says):
    path = tmp_path / "homework2_affine_jsmith.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("homework2_affine_jsmith.py", ANSWER)
        for number in range(7):
            archive.writestr(f"page{number}.txt", "x" * 1000)
    assert read(path, HW2).refusal is None
    assert says in read(path, HW2, limits=limits).refusal


def test_an_encrypted_zip_is_refused_with_what_to_do(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("homework2_affine_jsmith.py", ANSWER)
    path = tmp_path / "homework2_affine_jsmith.zip"
    path.write_bytes(patch_central_directory(buffer.getvalue(), "homework2_affine_jsmith.py", flag_bits=0x1))
    assert "password-protected" in read(path, HW2).refusal


def test_two_members_of_one_name_are_refused_not_one_picked(tmp_path):
    path = tmp_path / "homework2_affine_jsmith.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("homework2_affine_jsmith.py", ANSWER)
            archive.writestr("homework2_affine_jsmith.py", "print('the other one')\n")
    assert "two files named homework2_affine_jsmith.py" in read(path, HW2).refusal
