"""Similarity of a class: ``grade similarity`` on STUDENTS hw6 files, cold (every file tokenised)
and warm (tokens from the batch database's cache).

Run:  python benchmarks/bench_similarity.py [--students 400] [--runs 3]

The class is made from the suite's 48 real-shaped hw6 files, each handed in several times with
its variables renamed differently (so every file is distinct, and families of near-copies exist,
as in a real class). It times the whole command, fresh output folder for the cold runs, the same
one for the warm runs, and prints the comparison's own time (pairs compared) as the command
reports it.

Recorded 2026-12-03 on the project machine (2 cores, 24 GiB, x86_64 Linux, CPython 3.11.7,
copydetect 0.5.0, pygments 2.19), 400 students (79,800 pairs), --runs 3, idle machine:

    cold (every file tokenised)    400 files, 79800 pairs: median 21.55 s for the command
                                   (the comparison itself 19.1 s; 6905 pairs flagged, 67192 with code in common)
    warm (tokens cached)           400 files, 79800 pairs: median 17.68 s for the command
                                   (the comparison itself 15.0 s)

Where the time goes (cProfile of a cold run before the comparison was shared among the cores):
copydetect's ``compare_files`` is 0.5 ms a pair, most of it ``find_fingerprint_overlap`` building
a numpy array per shared fingerprint; pygments' tokenising is 23 ms a file (9 s of the 400);
reading the class and writing the CSV and page are about 2 s. The pairs are compared on both
cores (forked processes). Mapping character spans to line ranges was 40 s before the line starts of
each file were computed once. The class has families of near-copies (each real-shaped file
renamed several times), so most pairs share code; a class of independent files compares faster.

"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRADE = Path(sys.executable).with_name("grade")
NAMES = re.compile(r"\b(W1|W2|b1|b2|X|Y|w|yhat|z1|h1|n|lr|epsilon|alpha|batchSize|numEpochs)\b")


def write_class(folder: Path, students: int) -> None:
    bases = sorted((ROOT / "tests" / "data" / "submissions").glob("hw6*/*.py"))
    folder.mkdir(parents=True)
    for number in range(students):
        source = bases[number % len(bases)].read_text()
        suffix = f"_{number // len(bases)}" if number >= len(bases) else ""
        (folder / f"homework6_s{number:04d}.py").write_text(NAMES.sub(lambda m: m.group(1) + suffix, source)
                                                            + f"\n# s{number:04d}\n")


def run(folder: Path, out: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([str(GRADE), "similarity", str(folder), "--assignment", "hw6_mnist", "--out", str(out)],
                          check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout.splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as scratch:
        folder = Path(scratch) / "class"
        write_class(folder, args.students)
        cold, warm = [], []
        for number in range(args.runs):
            out = Path(scratch) / f"out{number}"
            cold.append(run(folder, out))
            warm.append(run(folder, out))
            shutil.rmtree(out)
    pairs = args.students * (args.students - 1) // 2
    for label, figures in (("cold (every file tokenised)", cold), ("warm (tokens cached)", warm)):
        wall = statistics.median(seconds for seconds, _ in figures)
        print(f"{label:30s} {args.students} files, {pairs} pairs: median {wall:5.2f} s for the command")
        print(f"{'':30s} {figures[len(figures) // 2][1]}")


if __name__ == "__main__":
    main()
