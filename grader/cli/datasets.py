"""``grade datasets list | fetch | import | verify``: a thin layer over
:mod:`grader.datasets`. Errors propagate as ``GraderError`` to the group in
``grader/cli/__init__.py``, which prints them and exits with their code."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from grader import datasets, paths
from grader.cli.progress import RichProgress
from grader.errors import DatasetError

_data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Dataset cache (default: $GRADER_DATA_DIR, else a per-user cache folder).",
)


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _notify(message: str) -> None:
    _err().print(f"[yellow]note:[/] {message}")


@click.group("datasets")
def datasets_group() -> None:
    """List, fetch, import and verify the course's datasets."""


@datasets_group.command("list")
@_data_dir_option
def list_command(data_dir: str | None) -> None:
    """Name, files, cached? and verified? for every dataset; then the cache folder and where each
    cached dataset came from, on lines of their own so that no path is cut."""
    cache = paths.data_dir(data_dir)
    table = Table("name", "files", "cached", "verified")
    origins: dict[str, list[str]] = {}
    for name in datasets.manifest_names():
        spec = datasets.load_spec(name)
        present = sum((cache / name / f.file).exists() for f in spec.files)
        ds = datasets.available(name, data_dir=data_dir)
        if ds:
            origins[name] = sorted({_origin(source) for source in ds.sources().values()})
        table.add_row(name, str(len(spec.files)), f"{present}/{len(spec.files)}", "yes" if ds else "no")
    out = Console(highlight=False, soft_wrap=True)
    out.print(table)
    out.print(f"cache folder: {cache}")
    for name, where in origins.items():
        out.print(f"  {name}/ {', '.join(where)}")


def _origin(source: str) -> str:
    """Where a file came from, as the folder the dataset's files share: an import's folder, or the
    folder of a download's URL or mirror file."""
    if source.startswith("import:"):
        return f"imported from {source.removeprefix('import:')}"
    return f"downloaded from {source.rsplit('/', 1)[0]}/"


@datasets_group.command("fetch")
@click.argument("names", nargs=-1, required=True)
@click.option("--mirror", default=None, metavar="URL_OR_DIR",
              help="Base URL or folder with the same file names, tried before S3 "
                   "(default: $GRADER_MIRROR).")
@click.option("--refresh", is_flag=True,
              help="Accept files whose sha256 differs from the lock and re-record it.")
@_data_dir_option
def fetch_command(names: tuple[str, ...], mirror: str | None, refresh: bool, data_dir: str | None) -> None:
    """Download datasets into the cache and verify them."""
    for name in names:
        ds = datasets.ensure(name, data_dir=data_dir, mirror=mirror, refresh=refresh,
                             progress=RichProgress() if _err().is_terminal else False,
                             notify=_notify)
        Console(highlight=False).print(f"{name}: verified in {ds.root}")


@datasets_group.command("import")
@click.argument("name")
@click.option("--from", "source", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder with the four standard IDX files (.gz or not).")
@click.option("--refresh", is_flag=True,
              help="Replace cached files even if their sha256 differs from the lock.")
@_data_dir_option
def import_command(name: str, source: str, refresh: bool, data_dir: str | None) -> None:
    """Build the homework's .npy layout from the standard IDX files."""
    ds = datasets.import_idx(name, source, data_dir=data_dir, refresh=refresh, notify=_notify)
    out = Console(highlight=False)
    for f in ds.spec.files:
        out.print(f"{f.file}: {f.split} {f.kind} {f.shape}")
    out.print(f"{name}: imported from {source} into {ds.root}")


@datasets_group.command("verify")
@click.argument("names", nargs=-1)
@_data_dir_option
def verify_command(names: tuple[str, ...], data_dir: str | None) -> None:
    """Re-check every cached file's shape, values and sha256; remove bad ones."""
    from grader.datasets import store  # the download stack, only when it is used

    table = Table("dataset", "file", "status", "detail")
    failed = []
    for name in names or tuple(datasets.manifest_names()):
        for status in store.verify(name, data_dir=data_dir, notify=_notify):
            table.add_row(name, status.file, "ok" if status.ok else "[red]FAILED[/]", status.message)
            if not status.ok:
                failed.append(name)
    Console().print(table)
    if failed:
        spec_fixes = "; ".join(datasets.fix_commands(datasets.load_spec(n), data_dir)
                               for n in dict.fromkeys(failed))
        raise DatasetError(f"verification failed for {', '.join(dict.fromkeys(failed))}. Fix: {spec_fixes}")
