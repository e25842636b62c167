"""Unit tests of the datasets layer: manifests, file validation, IDX reading,
subsets and the cheap availability check. No network, no real data needed."""

from __future__ import annotations

import dataclasses
import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from grader import datasets
from grader.datasets import cache, idx
from grader.datasets.manifest import UnknownDatasetError, load_spec
from grader.datasets.subset import choose_rows
from grader.datasets.verify import sha256_file, validate_array, validate_file
from grader.errors import ConfigError, DatasetError, ValidationError

MANIFESTS = Path(__file__).resolve().parents[2] / "datasets"


@pytest.fixture(scope="module")
def mnist():
    return load_spec("mnist", MANIFESTS)


def test_the_course_manifests_name_the_s3_files_and_shapes():
    mnist, fashion = load_spec("mnist", MANIFESTS), load_spec("fashion_mnist", MANIFESTS)
    assert len(mnist.files) == 6 and len(fashion.files) == 4
    assert mnist.file("validation", "images").shape == (5000, 784)
    assert mnist.file("train", "labels").url == "https://s3.amazonaws.com/jrwprojects/mnist_train_labels.npy"
    assert fashion.file("test", "labels").shape == (10000,)
    assert sum(mnist.file("train", "labels").class_counts) == 55000
    assert fashion.debian_dir == Path("/usr/share/datasets/fashion-mnist")


def test_an_unknown_dataset_lists_the_known_ones():
    with pytest.raises(UnknownDatasetError, match="known: fashion_mnist, mnist"):
        load_spec("cifar10", MANIFESTS)


@pytest.mark.parametrize("edit, message", [
    (("schema_version = 1", "schema_version = 2"), "schema_version 2"),
    (('dtype = "floating"', 'dtype = "complex"'), "'complex' is not one of"),
    (('encoding = "one-hot"', 'encoding = "words"'), "'words' is not one of"),
    (('name = "mnist"', 'name = "other"'), "differs from the file name"),
])
def test_invalid_manifests_are_config_errors(tmp_path, edit, message):
    (tmp_path / "mnist.toml").write_text((MANIFESTS / "mnist.toml").read_text().replace(*edit, 1))
    with pytest.raises(ConfigError, match=message):
        load_spec("mnist", tmp_path)


def _onehot(ids, n=10, dtype=np.float64):
    out = np.zeros((len(ids), n), dtype)
    out[np.arange(len(ids)), ids] = 1
    return out


def _small(spec, split, kind, **changes):
    return dataclasses.replace(spec.file(split, kind), **changes)


@pytest.mark.parametrize("array, message", [
    (np.zeros((4, 784), np.float32), None),
    (np.zeros((4, 28, 28), np.float32), r"shape \(4, 28, 28\), expected \(4, 784\)"),
    (np.zeros((4, 784), np.uint8), "dtype uint8, expected a floating dtype"),
    (np.full((4, 784), 255.0, np.float32), r"values in \[255, 255\], expected within \[0, 1\]"),
    (np.full((4, 784), np.nan, np.float32), "NaN"),
])
def test_image_arrays_are_checked_for_shape_dtype_and_range(mnist, array, message):
    spec = _small(mnist, "test", "images", shape=(4, 784))
    if message is None:
        validate_array(array, spec)
    else:
        with pytest.raises(ValidationError, match=message):
            validate_array(array, spec)


@pytest.mark.parametrize("array, message", [
    (_onehot([0, 1, 2, 1]), None),
    (_onehot([0, 1, 2, 1]) * 2, "not one-hot"),
    (np.ones((4, 10)), "not one-hot"),
    (_onehot([0, 1, 1, 1]), r"\[1, 3, 0, .*expected \[1, 2, 1,"),
])
def test_one_hot_labels_are_checked_for_encoding_and_counts_per_class(mnist, array, message):
    spec = _small(mnist, "test", "labels", shape=(4, 10), class_counts=(1, 2, 1) + (0,) * 7)
    if message is None:
        validate_array(array, spec)
    else:
        with pytest.raises(ValidationError, match=message):
            validate_array(array, spec)


def test_index_labels_must_be_whole_classes_in_range():
    spec = dataclasses.replace(load_spec("fashion_mnist", MANIFESTS).file("test", "labels"),
                               shape=(3,), class_counts=None)
    validate_array(np.array([0, 9, 3], np.uint8), spec)
    with pytest.raises(ValidationError, match="expected 0..9"):
        validate_array(np.array([0, 10, 3], np.int64), spec)
    with pytest.raises(ValidationError, match="integer dtype"):
        validate_array(np.array([0.0, 1.5, 3.0]), spec)


@pytest.mark.parametrize("payload, message", [
    (b"", "is empty"),
    (b"<!DOCTYPE html><html>Forbidden</html>", "HTML/XML page"),
    (b"PK\x03\x04 a zip", "not a .npy file"),
])
def test_files_that_are_not_npy_are_named_in_the_error(tmp_path, mnist, payload, message):
    path = tmp_path / "download.part"
    path.write_bytes(payload)
    with pytest.raises(ValidationError, match=f"mnist_test_images.npy .*{message}|{message}"):
        validate_file(path, mnist.file("test", "images"))


def test_pickled_object_arrays_are_refused(tmp_path, mnist):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"evil": 1}] * 4, dtype=object), allow_pickle=True)
    with pytest.raises(ValidationError, match="Python objects"):
        validate_file(path, _small(mnist, "test", "images", shape=(4,)))


def _idx_bytes(array: np.ndarray) -> bytes:
    magic = 0x803 if array.ndim == 3 else 0x801
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


@pytest.mark.parametrize("gzipped", [True, False])
def test_read_idx_reads_plain_and_gzipped_files(tmp_path, gzipped):
    images = np.arange(2 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(2, 28, 28)
    raw = _idx_bytes(images)
    path = tmp_path / "x-images-idx3-ubyte"
    path.write_bytes(gzip.compress(raw) if gzipped else raw)
    np.testing.assert_array_equal(idx.read_idx(path), images)


@pytest.mark.parametrize("raw, message", [
    (_idx_bytes(np.zeros((2, 28, 28), np.uint8))[:-1], "truncated or corrupt"),
    (struct.pack(">I", 0x0D03) + b"\0" * 40, "not a uint8 IDX file"),
    (b"\0\0", "too short"),
])
def test_read_idx_names_broken_files(tmp_path, raw, message):
    path = tmp_path / "broken-idx3-ubyte"
    path.write_bytes(raw)
    with pytest.raises(ValidationError, match=f"broken-idx3-ubyte.*{message}"):
        idx.read_idx(path)


@pytest.mark.parametrize("name", ["train-images-idx3-ubyte.gz", "train-images-idx3-ubyte",
                                  "train-images.idx3-ubyte"])
def test_find_idx_accepts_the_usual_spellings(tmp_path, name):
    (tmp_path / name).write_bytes(b"x")
    assert idx.find_idx(tmp_path, "train-images-idx3-ubyte").name == name


def test_stratified_rows_are_deterministic_balanced_and_seeded():
    labels = np.repeat(np.arange(10), 100)[np.random.default_rng(1).permutation(1000)]
    rows = choose_rows(labels, 10, size=105, method="stratified", seed=0)
    assert rows.tolist() == choose_rows(labels, 10, size=105, method="stratified", seed=0).tolist()
    assert rows.tolist() != choose_rows(labels, 10, size=105, method="stratified", seed=1).tolist()
    assert np.bincount(labels[rows]).tolist() == [11] * 5 + [10] * 5
    assert (np.diff(rows) > 0).all()


def test_first_rows_and_bad_sizes():
    labels = np.arange(20) % 10
    assert choose_rows(labels, 10, size=5, method="first", seed=3).tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(DatasetError, match="1..20"):
        choose_rows(labels, 10, size=21, method="first", seed=0)
    with pytest.raises(DatasetError, match="class 1 has 5 examples, fewer than the 6"):
        choose_rows(np.array([0] * 15 + [1] * 5), 2, size=12, method="stratified", seed=0)
    with pytest.raises(DatasetError, match="unknown subset method"):
        choose_rows(labels, 10, size=5, method="random", seed=0)


@pytest.fixture
def tiny(tmp_path):
    """A valid two-class dataset placed in a cache, with its manifest."""
    manifests = tmp_path / "datasets"
    manifests.mkdir()
    n = 40
    labels = _onehot(np.arange(n) % 2, n=2)
    (manifests / "tiny.toml").write_text(f"""
schema_version = 1
name = "tiny"
classes = 2
class_word = "digit"
[[files]]
split = "train"
kind = "images"
file = "tiny_train_images.npy"
url = "http://127.0.0.1:9/tiny_train_images.npy"
shape = [{n}, 4]
dtype = "floating"
range = [0.0, 1.0]
[[files]]
split = "train"
kind = "labels"
file = "tiny_train_labels.npy"
url = "http://127.0.0.1:9/tiny_train_labels.npy"
shape = [{n}, 2]
dtype = "real"
encoding = "one-hot"
""")
    root = tmp_path / "cache" / "tiny"
    root.mkdir(parents=True)
    images = np.linspace(0, 1, n * 4, dtype=np.float32).reshape(n, 4)
    for name, array in (("tiny_train_images.npy", images), ("tiny_train_labels.npy", labels)):
        np.save(root / name, array)
        cache.write_lock_entry(root, "tiny", name, cache.LockEntry.for_file(
            root / name, sha256_file(root / name), "test"))
    return manifests, tmp_path / "cache", root


def test_available_trusts_the_lock_until_size_or_mtime_change(tiny):
    manifests, data_dir, root = tiny
    ds = datasets.available("tiny", data_dir=data_dir, manifests_dir=manifests)
    assert ds is not None and ds.path("train", "images") == root / "tiny_train_images.npy"
    (root / "tiny_train_images.npy").touch()
    assert datasets.available("tiny", data_dir=data_dir, manifests_dir=manifests) is None
    reason = datasets.missing_reason("tiny", data_dir=data_dir, manifests_dir=manifests)
    assert "not verified" in reason and f"`grade datasets fetch tiny --data-dir {data_dir}`" in reason


def test_missing_reason_gives_fetch_and_import_commands():
    reason = datasets.missing_reason("fashion_mnist", data_dir="/nowhere", manifests_dir=MANIFESTS)
    assert "4 of 4 files missing" in reason
    assert "`grade datasets fetch fashion_mnist --data-dir /nowhere`" in reason
    assert "`grade datasets import fashion_mnist --from DIR --data-dir /nowhere`" in reason
    assert "apt-get install dataset-fashion-mnist" in reason


def test_subset_is_materialised_once_and_labelled_as_a_subset(tiny):
    manifests, data_dir, _ = tiny
    ds = datasets.available("tiny", data_dir=data_dir, manifests_dir=manifests)
    sub = datasets.subset(ds, "train", size=10, seed=0)
    assert sub.description == "stratified subset of tiny/train: 10 of 40 examples (seed 0, 5 per digit)"
    images, labels = sub.load()
    assert isinstance(images, np.memmap) and images.shape == (10, 4) and labels.shape == (10, 2)
    assert labels.sum(axis=0).tolist() == [5, 5]
    full = ds.load("train", "images")
    assert all(any((row == f).all() for f in full) for row in images)
    mtime = sub.images_path.stat().st_mtime_ns
    again = datasets.subset(ds, "train", size=10, seed=0)
    assert again == sub and again.images_path.stat().st_mtime_ns == mtime
    first = datasets.subset(ds, "train", size=3, method="first")
    assert first.description.startswith("first-3 subset of tiny/train")
    np.testing.assert_array_equal(first.load()[0], full[:3])


def test_the_lock_file_is_versioned_json(tiny):
    _, _, root = tiny
    data = json.loads((root / "sha256.lock.json").read_text())
    assert data["schema_version"] == 1 and data["dataset"] == "tiny"
    assert set(data["files"]["tiny_train_images.npy"]) == {"sha256", "size", "mtime_ns", "source", "verified_at"}


def test_train_validation_rows_carves_a_stratified_split_and_an_optional_subset():
    from grader.datasets.subset import train_validation_rows

    labels = np.repeat(np.arange(10), 50)
    train, val = train_validation_rows(labels, 10, validation_size=100)
    assert len(val) == 100 and len(train) == 400 and not set(train) & set(val)
    assert np.bincount(labels[val]).tolist() == [10] * 10
    small, same_val = train_validation_rows(labels, 10, validation_size=100, train_subset=50)
    assert np.array_equal(same_val, val) and len(small) == 50 and set(small) <= set(train)
    assert np.bincount(labels[small]).tolist() == [5] * 10
