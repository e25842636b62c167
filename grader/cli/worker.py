"""``grade worker --scheduler tcp://HOST:PORT``: a grading machine joins a Dask cluster.

It checks first that this machine can grade (the course found, strict isolation,
each assignment's datasets verified in the cache), says what it will offer, then
becomes an ordinary ``dask worker`` (one thread per worker process: each grades
one submission at a time, in its own sandboxes) offering one Dask resource per
assignment it can grade, named by the course's fingerprint
(``grader.batch.remote``): a coordinator with another course finds none it can use.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from grader import assignments, datasets, paths
from grader.errors import UsageError


@click.command("worker", context_settings={"ignore_unknown_options": True})
@click.option("--scheduler", required=True, metavar="tcp://HOST:PORT", help="The Dask scheduler to join.")
@click.option("--nworkers", type=click.IntRange(min=1), default=None,
              help="Worker processes on this machine (default: its cores); each grades one submission at a time.")
@click.option("--name", default=None, help="This machine's workers' name (default: host-pid; Dask adds -0, -1, ...).")
@click.option("--assignment", "only", multiple=True, metavar="ID",
              help="Offer only these assignments (default: every one this machine can grade).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The dataset cache the workers grade with (default: $GRADER_DATA_DIR, else the user cache).")
@click.option("--check", is_flag=True, help="Only check and say what would be offered; start no worker.")
@click.argument("dask_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- DASK WORKER OPTIONS]")
def worker_command(scheduler: str, nworkers: int | None, name: str | None, only: tuple[str, ...],
                   data_dir: Path | None, check: bool, dask_args: tuple[str, ...]) -> None:
    """Check that this machine can grade, then run `dask worker` for the course's assignments."""
    from grader.batch import remote
    from grader.sandbox import isolation

    console = Console(highlight=False, soft_wrap=True)
    if data_dir is not None:
        os.environ[paths.DATA_DIR_ENV] = str(data_dir.resolve())
    course = paths.course_dir()
    available = isolation.choose("strict")  # a class is graded in strict isolation, as by grade batch
    console.print(f"course: {course}")
    console.print(f"isolation: {available.level} ({available.detail})")
    console.print(f"dataset cache: {paths.data_dir()}")
    chosen = [assignments.get(i) for i in only] if only else assignments.all_assignments()
    table = Table("assignment", "offered", "fingerprint / why not")
    resources = []
    for assignment in chosen:
        missing = [datasets.missing_reason(n) for n in assignment.datasets if datasets.available(n) is None]
        if missing:
            table.add_row(assignment.id, "no", "; ".join(missing))
            continue
        digest = remote.fingerprint(assignment).digest
        resources.append(remote.resource(assignment.id, digest))
        table.add_row(assignment.id, "yes", digest[:16])
    console.print(table)
    if not resources:
        raise UsageError("this machine can grade none of the course's assignments (see above): nothing to offer")
    if check:
        return
    try:
        import distributed  # noqa: F401
    except ImportError as exc:
        raise UsageError("grade worker needs Dask distributed: pip install 'grade[cluster]'") from exc
    command = [sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--nthreads", "1",
               "--nworkers", str(nworkers or os.cpu_count() or 1), "--name", name or f"{socket.gethostname()}-{os.getpid()}",
               "--resources", ",".join(f"{resource}=1" for resource in resources), *dask_args]
    os.environ[paths.COURSE_DIR_ENV] = str(course)
    console.print("starting: " + " ".join(command))
    sys.stdout.flush()
    os.execv(sys.executable, command)
