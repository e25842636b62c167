"""Downloads against a real loopback HTTP server serving the course's S3 layout
built from the real MNIST / Fashion-MNIST. After every scenario the cache
holds nothing half-written or unverified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import requests

from datasets_server import (
    DEBIAN_FASHION, MANIFESTS, NO_FASHION, NO_MNIST, SHARED_MNIST, DatasetServer,
    assert_cache_clean, full_arrays, sha256, small_arrays, write_course,
)
from grader import datasets
from grader.datasets import store
from grader.datasets import RetryPolicy
from grader.errors import ChecksumError, DownloadError, ValidationError

pytestmark = pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=NO_MNIST)

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, connect_timeout=2, read_timeout=5)
TRAIN_IMAGES = "mnist_train_images.npy"


@pytest.fixture(scope="module")
def mnist_small() -> dict[str, np.ndarray]:
    """The first 1,000 rows of each real MNIST file (train images: 3.1 MB)."""
    return small_arrays("mnist", full_arrays("mnist"), 1000)


@pytest.fixture
def course(tmp_path, mnist_small):
    """A loopback 'S3' serving the small real layout, its manifest, a cache."""
    with DatasetServer(tmp_path / "s3") as server:
        manifests, served = write_course(tmp_path, "mnist", mnist_small, server.url)
        yield Course(server, manifests, served, tmp_path / "cache")


class Course:
    def __init__(self, server: DatasetServer, manifests: Path, served: Path, data_dir: Path) -> None:
        self.server, self.manifests, self.served, self.data_dir = server, manifests, served, data_dir
        self.root = data_dir / "mnist"

    def ensure(self, **kwargs):
        kwargs.setdefault("policy", FAST)
        return datasets.ensure("mnist", data_dir=self.data_dir, manifests_dir=self.manifests,
                               progress=False, notify=lambda m: None, **kwargs)

    def served_sha(self, file: str) -> str:
        return sha256(self.served / file)


def test_plain_download_verifies_every_file_and_records_its_sha256(course):
    ds = course.ensure()
    lock = json.loads((course.root / "sha256.lock.json").read_text())
    assert sorted(lock["files"]) == sorted(p.name for p in course.served.glob("*.npy"))
    for name, entry in lock["files"].items():
        assert entry["sha256"] == course.served_sha(name)
        assert entry["source"] == course.server.url + name
    images = ds.load("train", "images")
    assert isinstance(images, np.memmap) and not images.flags.writeable
    np.testing.assert_array_equal(images, np.load(course.served / TRAIN_IMAGES))
    assert datasets.available("mnist", data_dir=course.data_dir, manifests_dir=course.manifests) == ds
    assert_cache_clean(course.root)


def test_a_cached_dataset_is_not_downloaded_again(course):
    course.ensure()
    before = len(course.server.state.log)
    course.ensure()
    assert len(course.server.state.log) == before


@pytest.mark.parametrize("status", ["500", "503", "429"])
def test_server_errors_are_retried_with_backoff_until_a_200(course, status):
    course.server.fail(TRAIN_IMAGES, status, status)
    course.ensure()
    assert [e.status for e in course.server.log_for(TRAIN_IMAGES)] == [int(status)] * 2 + [200]
    assert sha256(course.root / TRAIN_IMAGES) == course.served_sha(TRAIN_IMAGES)
    assert_cache_clean(course.root)


def test_persistent_server_errors_give_up_with_the_fix_and_leave_nothing(course):
    course.server.fail(TRAIN_IMAGES, *["500"] * FAST.attempts)
    with pytest.raises(DownloadError) as info:
        course.ensure()
    message = str(info.value)
    assert "HTTP 500" in message and f"gave up after {FAST.attempts} attempts" in message
    assert "grade datasets fetch mnist" in message and "grade datasets import mnist --from DIR" in message
    assert not (course.root / TRAIN_IMAGES).exists()
    assert datasets.available("mnist", data_dir=course.data_dir, manifests_dir=course.manifests) is None
    assert_cache_clean(course.root)


def test_a_connection_dropped_mid_file_resumes_with_a_range_request(course):
    course.server.fail(TRAIN_IMAGES, "drop:1000000")
    course.ensure()
    log = course.server.log_for(TRAIN_IMAGES)
    assert [(e.status, e.range) for e in log] == [(200, None), (206, "bytes=1000000-")]
    assert sha256(course.root / TRAIN_IMAGES) == course.served_sha(TRAIN_IMAGES)
    assert_cache_clean(course.root)


def test_a_server_that_ignores_range_gets_the_whole_file_again_not_appended(course):
    course.server.fail(TRAIN_IMAGES, "drop:1000000", "ignore-range")
    course.ensure()
    log = course.server.log_for(TRAIN_IMAGES)
    assert [(e.status, e.range) for e in log] == [(200, None), (200, "bytes=1000000-")]
    assert sha256(course.root / TRAIN_IMAGES) == course.served_sha(TRAIN_IMAGES)
    assert_cache_clean(course.root)


def test_an_interrupted_partial_file_is_resumed_by_the_next_run(course):
    course.server.fail(TRAIN_IMAGES, *["drop:500000"] + ["500"] * FAST.attempts)
    with pytest.raises(DownloadError):
        course.ensure()
    course.ensure()
    assert course.server.log_for(TRAIN_IMAGES)[-1].range == "bytes=500000-"
    assert sha256(course.root / TRAIN_IMAGES) == course.served_sha(TRAIN_IMAGES)
    assert_cache_clean(course.root)


def test_an_html_page_with_status_200_is_rejected_naming_the_file(course):
    course.server.fail(TRAIN_IMAGES, "html")
    with pytest.raises(ValidationError, match=r"mnist_train_images\.npy .*HTML"):
        course.ensure()
    assert not (course.root / TRAIN_IMAGES).exists()
    assert_cache_clean(course.root)


def _rewrite_served(course, file: str, payload: bytes) -> None:
    (course.served / file).write_bytes(payload)


def test_a_truncated_file_is_rejected_and_discarded(course):
    whole = (course.served / TRAIN_IMAGES).read_bytes()
    _rewrite_served(course, TRAIN_IMAGES, whole[: len(whole) // 2])
    with pytest.raises(ValidationError, match=r"mnist_train_images\.npy .*bytes but its header promises"):
        course.ensure()
    assert not (course.root / TRAIN_IMAGES).exists()
    assert_cache_clean(course.root)


def test_a_wrong_shape_is_rejected_and_discarded(course):
    images = np.load(course.served / TRAIN_IMAGES)
    np.save(course.served / TRAIN_IMAGES, images.reshape(-1, 28, 28))
    with pytest.raises(ValidationError, match=r"shape \(1000, 28, 28\), expected \(1000, 784\)"):
        course.ensure()
    assert not (course.root / TRAIN_IMAGES).exists()
    assert_cache_clean(course.root)


def test_a_file_changed_on_the_server_after_the_lock_is_an_error_unless_refreshed(course):
    course.ensure()
    old = course.served_sha(TRAIN_IMAGES)
    images = np.load(course.served / TRAIN_IMAGES)
    np.save(course.served / TRAIN_IMAGES, images[::-1].copy())  # still valid, different bytes
    new = course.served_sha(TRAIN_IMAGES)
    (course.root / TRAIN_IMAGES).unlink()
    with pytest.raises(ChecksumError) as info:
        course.ensure()
    assert old in str(info.value) and new in str(info.value) and "--refresh" in str(info.value)
    assert not (course.root / TRAIN_IMAGES).exists()
    assert_cache_clean(course.root)
    course.ensure(refresh=True)
    lock = json.loads((course.root / "sha256.lock.json").read_text())
    assert lock["files"][TRAIN_IMAGES]["sha256"] == new
    assert_cache_clean(course.root)


def test_a_cached_file_edited_in_place_is_caught_by_the_cheap_check_and_verify(course):
    course.ensure()
    path = course.root / TRAIN_IMAGES
    data = bytearray(path.read_bytes())
    data[-1] = 0 if data[-1] else 1
    path.write_bytes(bytes(data))
    assert datasets.available("mnist", data_dir=course.data_dir, manifests_dir=course.manifests) is None
    statuses = {s.file: s for s in store.verify("mnist", data_dir=course.data_dir,
                                                     manifests_dir=course.manifests, notify=print)}
    assert not statuses[TRAIN_IMAGES].ok and "differs from the lock" in statuses[TRAIN_IMAGES].message
    assert not path.exists()
    assert_cache_clean(course.root)


def test_two_processes_fetching_at_once_download_each_file_once(course):
    course.server.state.delay = 0.2  # keep the first process inside its lock for a while
    script = textwrap.dedent(f"""
        from pathlib import Path
        from grader import datasets
        from grader.datasets import RetryPolicy
        ds = datasets.ensure("mnist", data_dir={str(course.data_dir)!r},
                             manifests_dir=Path({str(course.manifests)!r}), progress=False,
                             policy=RetryPolicy(attempts=3, base_delay=0.01))
        print(ds.load("train", "images").shape)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert out.strip() == "(1000, 784)"
    for file in (p.name for p in course.served.glob("*.npy")):
        assert [e.status for e in course.server.log_for(file)] == [200], file
    assert any("waiting for another grade process" in err for _, err in outputs)
    assert_cache_clean(course.root)


def test_a_mirror_folder_is_used_before_s3(course):
    course.ensure(mirror=str(course.served))
    assert course.server.state.log == []
    assert json.loads((course.root / "sha256.lock.json").read_text())["files"][TRAIN_IMAGES]["source"] \
        == os.path.join(str(course.served), TRAIN_IMAGES)
    assert_cache_clean(course.root)


def test_grader_mirror_url_is_tried_first_and_a_failing_mirror_falls_back_to_s3(course, tmp_path, monkeypatch):
    mirror_dir = tmp_path / "mirror"
    mirror_dir.mkdir()
    for file in course.served.glob("*.npy"):
        if file.name != TRAIN_IMAGES:  # the mirror lacks one file: that one comes from S3
            (mirror_dir / file.name).write_bytes(file.read_bytes())
    with DatasetServer(mirror_dir) as mirror:
        monkeypatch.setenv("GRADER_MIRROR", mirror.url)
        course.ensure()
        assert [e.status for e in mirror.log_for(TRAIN_IMAGES)] == [404]
    assert [e.path for e in course.server.state.log] == [TRAIN_IMAGES]
    assert_cache_clean(course.root)


def test_a_bad_file_on_the_mirror_is_discarded_and_s3_is_used(course, tmp_path):
    mirror_dir = tmp_path / "mirror"
    mirror_dir.mkdir()
    for file in course.served.glob("*.npy"):
        (mirror_dir / file.name).write_bytes(b"<html>proxy says no</html>")
    course.ensure(mirror=str(mirror_dir))
    assert len(course.server.state.log) == 6
    assert_cache_clean(course.root)


def test_nothing_listening_is_a_download_error_with_the_fix(tmp_path, mnist_small):
    sock_server = DatasetServer(tmp_path)
    dead_url = sock_server.url
    sock_server.stop()  # the port is closed: connections are refused
    manifests, _ = write_course(tmp_path, "mnist", mnist_small, dead_url)
    with pytest.raises(DownloadError, match="(?s)Connection refused.*gave up after 4 attempts.*Fix: `grade datasets fetch mnist"):
        datasets.ensure("mnist", data_dir=tmp_path / "cache", manifests_dir=manifests, progress=False,
                        policy=FAST, notify=lambda m: None)
    assert_cache_clean(tmp_path / "cache" / "mnist")


def test_an_unresolvable_host_fails_at_once_instead_of_retrying(tmp_path, mnist_small):
    # .invalid never resolves (RFC 2606): this is what an offline machine sees for S3.
    manifests, _ = write_course(tmp_path, "mnist", mnist_small, "http://grade-test.invalid")
    slow = RetryPolicy(attempts=5, base_delay=5, max_delay=5, connect_timeout=2, read_timeout=2)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="(?s)cannot resolve the host name.*Fix: `grade datasets"):
        datasets.ensure("mnist", data_dir=tmp_path / "cache", manifests_dir=manifests, progress=False,
                        policy=slow, notify=lambda m: None)
    assert time.monotonic() - started < 5  # not one backoff of 5 s was waited
    assert_cache_clean(tmp_path / "cache" / "mnist")


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason=NO_FASHION)
def test_fashion_mnist_falls_back_to_the_debian_package_and_says_so(tmp_path):
    full = full_arrays("fashion_mnist")
    with DatasetServer(tmp_path / "nothing") as server:  # serves 404 for everything
        manifests, _ = write_course(tmp_path, "fashion_mnist", full, server.url, debian_dir=DEBIAN_FASHION)
        notes: list[str] = []
        ds = datasets.ensure("fashion_mnist", data_dir=tmp_path / "cache", manifests_dir=manifests,
                             progress=False, policy=FAST, notify=notes.append)
    assert any("Debian package dataset-fashion-mnist" in n and str(DEBIAN_FASHION) in n for n in notes)
    assert set(ds.sources().values()) == {f"import:{DEBIAN_FASHION}"}
    np.testing.assert_array_equal(ds.load("train", "images"), full["fashion_mnist_train_images.npy"])
    assert_cache_clean(ds.root)


@pytest.mark.slow
def test_the_full_real_mnist_downloads_from_a_mirror_url_unchanged(tmp_path):
    full = full_arrays("mnist")
    served = tmp_path / "s3"
    served.mkdir()
    for file, array in full.items():
        np.save(served / file, array, allow_pickle=False)
    with DatasetServer(served) as mirror:
        ds = datasets.ensure("mnist", data_dir=tmp_path / "cache", mirror=mirror.url,
                             manifests_dir=MANIFESTS, progress=False, policy=FAST,
                             session=requests.Session(), notify=lambda m: None)
    for file in full:
        assert sha256(ds.root / file) == sha256(served / file)
    assert ds.load("train", "images").shape == (55000, 784)
    assert_cache_clean(ds.root)
