"""``grade datasets import`` on the real IDX files produces the course's S3
layout, checked against facts published independently of our importer."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from datasets_server import DEBIAN_FASHION, MANIFESTS, NO_FASHION, NO_MNIST, SHARED_MNIST, assert_cache_clean
from grader import datasets
from grader.cli.datasets import datasets_group
from grader.errors import DatasetError, ValidationError

needs_mnist = pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason=NO_MNIST)
needs_fashion = pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason=NO_FASHION)

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _raw(path, offset):
    """An IDX file's bytes parsed independently of grader.datasets.idx."""
    return np.frombuffer(gzip.open(path).read(), dtype=np.uint8, offset=offset)


@pytest.fixture(scope="module")
def mnist_cache(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("cache")
    result = CliRunner().invoke(datasets_group, ["import", "mnist", "--from", str(SHARED_MNIST),
                                                 "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    return data_dir


@needs_mnist
def test_mnist_import_is_the_course_split_of_the_official_files(mnist_cache):
    raw_bytes = gzip.open(SHARED_MNIST / "train-images-idx3-ubyte.gz").read()
    assert hashlib.md5(raw_bytes).hexdigest() == "6bbc9ace898e44ae57da46a324031adb"  # README
    train_images = np.frombuffer(raw_bytes, np.uint8, offset=16).reshape(60000, 784)
    train_labels = _raw(SHARED_MNIST / "train-labels-idx1-ubyte.gz", 8)
    test_images = _raw(SHARED_MNIST / "t10k-images-idx3-ubyte.gz", 16).reshape(10000, 784)
    test_labels = _raw(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz", 8)
    assert np.bincount(train_labels).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(test_labels).tolist() == MNIST_TEST_COUNTS

    ds = datasets.available("mnist", data_dir=mnist_cache)
    assert ds is not None
    expected = {"validation": (train_images[:5000], train_labels[:5000]),
                "train": (train_images[5000:], train_labels[5000:]),
                "test": (test_images, test_labels)}
    for split, (pixels, labels) in expected.items():
        images, onehot = ds.load(split, "images"), ds.load(split, "labels")
        assert images.dtype == np.float32 and images.shape == (len(pixels), 784)
        assert onehot.dtype == np.float64 and onehot.shape == (len(labels), 10)
        assert images.min() == 0.0 and images.max() == 1.0
        np.testing.assert_array_equal(np.rint(images * 255).astype(np.uint8), pixels)
        np.testing.assert_array_equal(onehot.argmax(axis=1), labels)
        assert (onehot.sum(axis=1) == 1).all()
    counts = [np.bincount(ds.load(s, "labels").argmax(axis=1), minlength=10)
              for s in ("validation", "train")]
    assert (counts[0] + counts[1]).tolist() == MNIST_TRAIN_COUNTS
    assert_cache_clean(ds.root)


@needs_mnist
def test_cached_arrays_are_memory_mapped_and_read_only(mnist_cache):
    images = datasets.available("mnist", data_dir=mnist_cache).load("train", "images")
    assert isinstance(images, np.memmap) and not images.flags.writeable


@needs_mnist
def test_importing_again_is_idempotent(mnist_cache):
    lock_before = json.loads((mnist_cache / "mnist" / "sha256.lock.json").read_text())
    datasets.import_idx("mnist", SHARED_MNIST, data_dir=mnist_cache, notify=print)
    lock_after = json.loads((mnist_cache / "mnist" / "sha256.lock.json").read_text())
    assert {k: v["sha256"] for k, v in lock_before["files"].items()} == \
        {k: v["sha256"] for k, v in lock_after["files"].items()}


@needs_mnist
def test_a_wrong_split_is_caught_by_the_published_counts_per_digit(tmp_path):
    manifests = tmp_path / "datasets"
    manifests.mkdir()
    text = (MANIFESTS / "mnist.toml").read_text()
    text = text.replace('import_rows = ["train", 0, 5000]', 'import_rows = ["train", 55000, 60000]')
    (manifests / "mnist.toml").write_text(text)
    with pytest.raises(ValidationError, match=r"mnist_validation_labels\.npy .* examples per class"):
        datasets.import_idx("mnist", SHARED_MNIST, data_dir=tmp_path / "cache", manifests_dir=manifests)
    assert not list((tmp_path / "cache" / "mnist").glob("mnist_validation_*.npy"))
    assert_cache_clean(tmp_path / "cache" / "mnist")


@needs_mnist
@pytest.mark.parametrize("damage", ["cut-gzip-stream", "short-idx-payload"])
def test_a_truncated_idx_file_is_named_and_nothing_is_cached(tmp_path, damage):
    source = tmp_path / "idx"
    shutil.copytree(SHARED_MNIST, source)
    labels = source / "train-labels-idx1-ubyte.gz"
    labels.chmod(0o644)
    if damage == "cut-gzip-stream":
        labels.write_bytes(labels.read_bytes()[:-5000])
    else:
        labels.write_bytes(gzip.compress(gzip.open(SHARED_MNIST / labels.name).read()[:-1]))
    with pytest.raises(ValidationError, match="train-labels-idx1-ubyte.gz"):
        datasets.import_idx("mnist", source, data_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache" / "mnist").glob("*.npy"))


def test_import_from_a_folder_without_idx_files_names_what_is_missing(tmp_path):
    with pytest.raises(DatasetError, match="has no train-images-idx3-ubyte.gz"):
        datasets.import_idx("mnist", tmp_path, data_dir=tmp_path / "cache")


@needs_fashion
def test_fashion_mnist_import_from_the_debian_package(tmp_path):
    result = CliRunner().invoke(datasets_group, ["import", "fashion_mnist", "--from", str(DEBIAN_FASHION),
                                                 "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    ds = datasets.available("fashion_mnist", data_dir=tmp_path)
    for split, prefix, n in (("train", "train", 60000), ("test", "t10k", 10000)):
        images, labels = ds.load(split, "images"), ds.load(split, "labels")
        assert images.dtype == np.uint8 and images.shape == (n, 784)
        assert labels.dtype == np.uint8 and labels.shape == (n,)
        np.testing.assert_array_equal(images, _raw(DEBIAN_FASHION / f"{prefix}-images-idx3-ubyte.gz", 16)
                                      .reshape(n, 784))
        np.testing.assert_array_equal(labels, _raw(DEBIAN_FASHION / f"{prefix}-labels-idx1-ubyte.gz", 8))
        assert np.bincount(labels).tolist() == [n // 10] * 10
    assert_cache_clean(ds.root)


@needs_mnist
def test_cli_list_and_verify_report_the_cache(mnist_cache):
    runner = CliRunner()
    listed = runner.invoke(datasets_group, ["list", "--data-dir", str(mnist_cache)])
    assert listed.exit_code == 0, listed.output
    assert "mnist" in listed.output and "6/6" in listed.output and "yes" in listed.output
    verified = runner.invoke(datasets_group, ["verify", "mnist", "--data-dir", str(mnist_cache)])
    assert verified.exit_code == 0, verified.output
    assert verified.output.count("ok") >= 6


def test_cli_verify_of_an_empty_cache_fails_with_the_fix(tmp_path):
    result = CliRunner().invoke(datasets_group, ["verify", "mnist", "--data-dir", str(tmp_path)])
    assert isinstance(result.exception, DatasetError)
    assert "grade datasets fetch mnist" in str(result.exception)
    assert "missing" in result.output
