"""Benchmark: the hw6_mnist reference graded as a submission on both profiles.

Records the reference search's wall time and the grader's test CE and
accuracy for its chosen setting, with the machine, in bench_hw6.json.

    python benchmarks/bench_hw6.py [--data-dir DIR] [--profiles official quick]

Needs the real MNIST in the cache (``grade datasets import mnist --from
../shared/datasets/mnist``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from grader import assignments
from grader.grading import grade_submission

HERE = Path(__file__).resolve().parent
REFERENCE = HERE.parent / "reference" / "hw6_mnist" / "solution.py"


def machine() -> dict[str, object]:
    return {"platform": platform.platform(), "python": platform.python_version(), "numpy": np.__version__,
            "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()}


def run(profile: str, data_dir: str | None) -> dict[str, object]:
    hw = assignments.get("hw6_mnist")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "homework6_reference.py"
        shutil.copyfile(REFERENCE, path)
        started = time.perf_counter()
        report = grade_submission(path, assignment=hw, profile=profile, data_dir=data_dir)
        wall = time.perf_counter() - started
    tests = {t.number: t for t in report.tests}
    found = re.search(r"test CE ([0-9.]+), test accuracy ([0-9.]+)%", tests["c.1"].output)
    search = re.search(r"findBestHyperparameters called train (\d+)", tests["b.1"].output)
    return {"profile": profile, "score": report.score, "max_score": report.max_score,
            "grading_wall_seconds": round(wall, 1), "test_ce": float(found.group(1)) if found else None,
            "test_accuracy": round(float(found.group(2)) / 100, 4) if found else None,
            "chosen": tests["b.2"].output.split(":")[0], "trials": int(search.group(1)) if search else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--profiles", nargs="+", default=["official", "quick"])
    parser.add_argument("--out", default=str(HERE / "bench_hw6.json"))
    args = parser.parse_args()
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "runs": []}
    for profile in args.profiles:
        result = run(profile, args.data_dir)
        print(json.dumps(result))
        results["runs"].append(result)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
