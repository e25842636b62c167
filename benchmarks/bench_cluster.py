"""What going through Dask costs: ``grade batch`` of a hw2_affine class, local engine against a
local cluster on the same cores.

Run:  python benchmarks/bench_cluster.py [--students 200] [--runs 3]

It writes the class ``bench_batch.py`` writes (STUDENTS distinct files), starts a ``dask
scheduler`` and two ``grade worker --nworkers 1`` on 127.0.0.1 (2 grading processes: what
``--jobs 2`` gives the local engine), and times the whole ``grade batch`` command, fresh output
folder each run: the local engine (``--jobs 2``) and the cluster (``--scheduler``) in alternating
pairs. The cluster's first run is timed on its own: its workers start their zygotes then (a local
batch starts its workers and zygotes every run).

Recorded 2026-12-03 on the project machine (2 cores, 24 GiB, x86_64 Linux, CPython 3.11.7, numpy
2.4.6, distributed 2026.8.0, namespaces as root), 200 students, --runs 3, idle machine:

    local engine, --jobs 2              200 files: median 14.75 s wall,  13.6 submissions/s, 140.3 CPU-ms per submission
    cluster of 2 workers (warm)         200 files: median 17.43 s wall,  11.5 submissions/s, 160.9 CPU-ms per submission
    cluster of 2 workers, first run     200 files:        19.22 s wall,  10.4 submissions/s
    wall ratio cluster / local: 1.18

Going through Dask costs about 13 ms of wall time per submission on these 2 cores (2.7 s over 200
files), of which about 20 CPU-ms per submission is spent. The cost is the scheduler's and the
workers' bookkeeping, a round trip per task, and the coordinator's reading and sending of each
file and receiving and storing of its result. All of these run on the 2 cores that grade. On a
real cluster, the scheduler and the coordinator sit on other cores than the workers, and a
hw6 submission takes minutes: the overhead is then noise, and each machine adds its cores. The
workers' first run also starts their zygotes (about 1.8 s more here). CPU is the machine's busy
time from /proc/stat, which includes the scheduler's and workers' (so run it on an idle machine).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import GRADE, run_batch as run, write_class  # noqa: E402

BIN = Path(sys.executable).parent


def start_cluster(folder: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and two one-process grade workers on 127.0.0.1, each in its own process group."""
    file = folder / "scheduler.json"
    processes = [subprocess.Popen([str(BIN / "python"), "-m", "distributed.cli.dask_scheduler", "--host",
                                   "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    while not file.is_file():
        time.sleep(0.1)
    address = json.loads(file.read_text())["address"]
    for name in ("w1", "w2"):
        processes.append(subprocess.Popen([str(GRADE), "worker", "--scheduler", address, "--nworkers", "1", "--name",
                                           name, "--assignment", "hw2_affine", "--", "--no-dashboard"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
    return address, processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as scratch:
        folder = Path(scratch) / "class"
        write_class(folder, args.students)
        address, processes = start_cluster(Path(scratch))
        try:
            run(folder, "--jobs", "2")  # warm-up: caches, the isolation probe
            first = run(folder, "--scheduler", address)
            figures: dict[str, list[tuple[float, float]]] = {"local": [], "cluster": []}
            for _ in range(args.runs):
                figures["local"].append(run(folder, "--jobs", "2"))
                figures["cluster"].append(run(folder, "--scheduler", address))
        finally:
            for process in reversed(processes):
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(30)
    for key, label in (("local", "local engine, --jobs 2"), ("cluster", "cluster of 2 workers (warm)")):
        wall = statistics.median(w for w, _ in figures[key])
        cpu = statistics.median(c for _, c in figures[key])
        print(f"{label:35s} {args.students} files: median {wall:5.2f} s wall, {args.students / wall:5.1f} "
              f"submissions/s, {1000 * cpu / args.students:5.1f} CPU-ms per submission")
    print(f"{'cluster of 2 workers, first run':35s} {args.students} files:        {first[0]:5.2f} s wall, "
          f"{args.students / first[0]:5.1f} submissions/s")
    ratio = statistics.median(c for c, _ in figures["cluster"]) / statistics.median(w for w, _ in figures["local"])
    print(f"wall ratio cluster / local: {ratio:.2f}")


if __name__ == "__main__":
    main()
