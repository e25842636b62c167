"""Batch throughput: ``grade batch`` on a class of distinct hw2_affine files.

Run:  python benchmarks/bench_batch.py [--students 200] [--jobs 2] [--runs 3]

It writes a class of STUDENTS distinct files (the reference, the suite's buggy
files and the example, each with a line that makes every file distinct, so
none is graded once for several) and times the whole ``grade batch`` command,
fresh output folder each run, with warm zygotes (the default) and with
``--no-zygote`` (a freshly started sandbox per submission), in turn. It
prints the median wall time, submissions per second, and the CPU seconds the
command and all its processes used per submission.

Recorded 2026-12-02 on the project machine (2 cores, 24 GiB, x86_64 Linux,
CPython 3.11.7, numpy 2.4.6, namespaces as root), 200 students, --jobs 2,
--runs 3, idle machine:

    warm zygotes (default)             200 files, --jobs 2: median 10.84 s wall,  18.4 submissions/s, 103.1 CPU-ms per submission
    --no-zygote (fresh sandbox each)   200 files, --jobs 2: median 21.43 s wall,   9.3 submissions/s, 196.0 CPU-ms per submission

The same two commands timed as whole processes, in alternating pairs (3
pairs, fresh output folder each run): wall median 11.07 s (10.78-11.31) with
zygotes against 21.89 s (20.96-23.01) without, a paired ratio of 0.506.

What limits it: the two cores. With zygotes a submission costs about 103
CPU-ms in all (the worker's checks and comparisons, the forked child's import
of the submission and its answers) and both cores stay busy, so throughput is
about 2 / 0.103 s = 19 a second, what is measured. Without zygotes each child
also starts bubblewrap and an interpreter and imports numpy, and is moved into
a cgroup of its own: about 90 CPU-ms more per submission, half the throughput.
The batch's fixed cost (the command's imports, starting the workers and their
zygotes, writing 200 result files and the CSV) is under a second of each run.
CPU is the machine's busy time from /proc/stat (the sandboxed children's
share cannot be counted from their parents), so run it on an idle machine.

It now also times ``python -c "import numpy"`` in the same run (5 runs before
the batches, 5 after) and gives each submission's wall time in those units.

Before and after (2026-12-04, same machine, shared with other jobs): the
version before against this one, the same 200-file class, whole ``grade
batch`` commands with zygotes in 4 alternating pairs, fresh output folder each
run, load average 4.8-5.6: median 20.17 s (18.46-24.12), 9.9 submissions/s,
against 11.83 s (10.94-13.05), 16.9 submissions/s; a paired wall ratio of
0.56 (0.53-0.66). This script right before, load 3.3-5.1 (numpy import 213 ms
in the same run):

    warm zygotes (default)             200 files, --jobs 2: median 10.59 s wall,  18.9 submissions/s, 105.3 CPU-ms per submission, 0.25 numpy imports of wall per submission
    --no-zygote (fresh sandbox each)   200 files, --jobs 2: median 34.66 s wall,   5.8 submissions/s, 346.4 CPU-ms per submission, 0.82 numpy imports of wall per submission

(the CPU figures count the other jobs' share too; the --no-zygote runs met the
heaviest of them: paired against the version before on 60 files, load 0.7-3.1,
they took 0.80 of its time). What went: per submission, the worker's CPU from
about 40 to 23 ms and the zygote's and its children's from about 57 to 32 ms
(measured with one worker, under load): .npy headers parsed and written once
per distinct header instead of by ``np.load``'s ``ast.literal_eval`` for each
of some 300 small arrays on each side, numpy.random imported once in the
zygote instead of in every child, the manifest and the child's library path
worked out once per worker. What is left per submission is the 40-odd round
trips of the checks (two processes waking each other), the checks' own work,
and the fork, kill and IPC clean-up of each child.

After, on an idle machine (2026-12-04 21:55, same machine, --runs 3, load
average 1.5 before, 2.7 after; numpy import 87 ms in the same run):

    warm zygotes (default)             200 files, --jobs 2: median  6.25 s wall,  32.0 submissions/s,  55.5 CPU-ms per submission, 0.36 numpy imports of wall per submission
    --no-zygote (fresh sandbox each)   200 files, --jobs 2: median 16.95 s wall,  11.8 submissions/s, 150.8 CPU-ms per submission, 0.98 numpy imports of wall per submission

against 18.4 submissions/s and 103 CPU-ms per submission on 12-02: 2 / 0.0555 s
is 36 a second, so the two cores are still what limits it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADE = Path(sys.executable).with_name("grade")


def write_class(folder: Path, students: int) -> None:
    bases = [ROOT / "reference" / "hw2_affine" / "solution.py", ROOT / "examples" / "homework2_affine_jsmith.py",
             *sorted((ROOT / "tests" / "data" / "submissions" / "hw2_affine").glob("*.py"))]
    sources = [base.read_text() for base in bases]
    folder.mkdir(parents=True)
    for number in range(students):
        (folder / f"homework2_affine_s{number:04d}.py").write_text(
            sources[number % len(sources)] + f"\n# s{number:04d}\n")


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot, from /proc/stat:
    the sandboxed children's share cannot be counted from their parents
    (killed, they are never waited for), so run this on an idle machine."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_batch(folder: Path, *options: str) -> tuple[float, float]:
    """Wall seconds and the machine's busy CPU seconds during one ``grade batch`` of ``folder`` (fresh output
    folder, removed after)."""
    out = Path(tempfile.mkdtemp(prefix="bench-batch-out-"))
    shutil.rmtree(out)
    before = busy_seconds()
    started = time.perf_counter()
    subprocess.run([str(GRADE), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out), *options],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    cpu = busy_seconds() - before
    shutil.rmtree(out, ignore_errors=True)
    return wall, cpu


def run(folder: Path, jobs: int, zygote: bool) -> tuple[float, float]:
    return run_batch(folder, "--jobs", str(jobs), "--zygote" if zygote else "--no-zygote")


def numpy_import_seconds(runs: int = 5) -> list[float]:
    """Wall seconds of ``python -c "import numpy"`` in this interpreter, a fresh process each."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = "/".join(f"{value:.2f}" for value in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        folder = Path(scratch) / "class"
        write_class(folder, args.students)
        run(folder, args.jobs, True)  # warm-up: caches, probe
        numpy_times = numpy_import_seconds()
        figures: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for _ in range(args.runs):
            for zygote in (True, False):
                figures[zygote].append(run(folder, args.jobs, zygote))
        numpy_times += numpy_import_seconds()
    numpy = statistics.median(numpy_times)
    load_after = "/".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"load average (1/5/15 min) {load_before} before, {load_after} after; python -c 'import numpy' median "
          f"{numpy * 1000:.0f} ms (10 runs, in the same run)")
    for zygote, label in ((True, "warm zygotes (default)"), (False, "--no-zygote (fresh sandbox each)")):
        wall = statistics.median(w for w, _ in figures[zygote])
        cpu = statistics.median(c for _, c in figures[zygote])
        print(f"{label:34s} {args.students} files, --jobs {args.jobs}: median {wall:5.2f} s wall, "
              f"{args.students / wall:5.1f} submissions/s, {1000 * cpu / args.students:5.1f} CPU-ms per submission, "
              f"{wall / args.students / numpy:4.2f} numpy imports of wall per submission")


if __name__ == "__main__":
    main()
