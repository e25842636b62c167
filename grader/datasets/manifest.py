"""Dataset manifests: ``datasets/<name>.toml`` parsed into frozen dataclasses.

A manifest names each file of a dataset (split, kind, S3 URL) and the facts a
file must satisfy (shape, dtype family, value range, label encoding, counts
per class), plus how to build the same files from the standard IDX files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader import paths
from grader import toml as tomllib
from grader.errors import ConfigError, DatasetError

SCHEMA_VERSION = 1
DTYPE_FAMILIES = ("floating", "integer", "real")
ENCODINGS = ("one-hot", "index")
IMAGES_ENCODINGS = ("unit-float32", "uint8")
LABELS_ENCODINGS = ("one-hot-float64", "one-hot-float32", "index-uint8")


class UnknownDatasetError(DatasetError):
    """No manifest exists for the dataset name asked for."""

    exit_code = 2


@dataclass(frozen=True)
class FileSpec:
    """One ``.npy`` file of a dataset and what it must look like."""

    split: str
    kind: str  # "images" or "labels"
    file: str
    url: str
    shape: tuple[int, ...]
    dtype: str  # a family from DTYPE_FAMILIES
    range: tuple[float, float] | None = None
    encoding: str | None = None  # labels only: "one-hot" or "index"
    class_counts: tuple[int, ...] | None = None
    import_rows: tuple[str, int, int] | None = None  # (idx part, start, stop)
    classes: int = 10


@dataclass(frozen=True)
class ImportSpec:
    """How the dataset is built from the four standard IDX files."""

    idx_names: dict[str, str]  # "train_images" -> "train-images-idx3-ubyte", ...
    images_encoding: str
    labels_encoding: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    title: str
    classes: int
    class_word: str
    files: tuple[FileSpec, ...]
    importer: ImportSpec | None = None
    debian_package: str | None = None
    debian_dir: Path | None = None

    def file(self, split: str, kind: str) -> FileSpec:
        for spec in self.files:
            if spec.split == split and spec.kind == kind:
                return spec
        known = sorted({f.split for f in self.files})
        raise DatasetError(
            f"{self.name} has no {kind} for split {split!r} (splits: {', '.join(known)})"
        )

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.split for f in self.files))


def manifest_names(manifests_dir: Path | None = None) -> list[str]:
    folder = manifests_dir or paths.dataset_manifests_dir()
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_spec(name: str, manifests_dir: Path | None = None) -> DatasetSpec:
    """Read and check ``<manifests_dir>/<name>.toml``."""
    folder = Path(manifests_dir) if manifests_dir else paths.dataset_manifests_dir()
    path = folder / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(manifest_names(folder)) or "none"
        raise UnknownDatasetError(f"unknown dataset {name!r} (known: {known})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _parse(data, path)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"invalid dataset manifest {path}: {exc}") from exc


def _parse(data: dict, path: Path) -> DatasetSpec:
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(
            f"schema_version {data.get('schema_version')!r}, this grader reads {SCHEMA_VERSION}"
        )
    if data["name"] != path.stem:
        raise ValueError(f"name {data['name']!r} differs from the file name")
    files = tuple(_parse_file(entry, int(data["classes"])) for entry in data["files"])
    if len({(f.split, f.kind) for f in files}) != len(files):
        raise ValueError("two files share a split and kind")
    importer = None
    if "import" in data:
        raw = data["import"]
        if raw.get("format") != "idx":
            raise ValueError(f"import format {raw.get('format')!r} (only 'idx' is known)")
        importer = ImportSpec(
            idx_names={k: raw[k] for k in ("train_images", "train_labels", "test_images", "test_labels")},
            images_encoding=_choice(raw["images_encoding"], IMAGES_ENCODINGS),
            labels_encoding=_choice(raw["labels_encoding"], LABELS_ENCODINGS),
        )
    debian = data.get("debian", {})
    return DatasetSpec(
        name=data["name"],
        title=data.get("title", data["name"]),
        classes=int(data["classes"]),
        class_word=data.get("class_word", "class"),
        files=files,
        importer=importer,
        debian_package=debian.get("package"),
        debian_dir=Path(debian["dir"]) if "dir" in debian else None,
    )


def _parse_file(entry: dict, classes: int) -> FileSpec:
    kind = _choice(entry["kind"], ("images", "labels"))
    encoding = entry.get("encoding")
    if kind == "labels":
        _choice(encoding, ENCODINGS)
    rng = entry.get("range")
    rows = entry.get("import_rows")
    return FileSpec(
        split=entry["split"],
        kind=kind,
        file=entry["file"],
        url=entry["url"],
        shape=tuple(int(n) for n in entry["shape"]),
        dtype=_choice(entry["dtype"], DTYPE_FAMILIES),
        range=(float(rng[0]), float(rng[1])) if rng is not None else None,
        encoding=encoding,
        class_counts=tuple(int(n) for n in entry["class_counts"]) if "class_counts" in entry else None,
        import_rows=(str(rows[0]), int(rows[1]), int(rows[2])) if rows is not None else None,
        classes=classes,
    )


def _choice(value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)
