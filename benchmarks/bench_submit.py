"""How long ``grade submit`` takes on the hw2_affine reference, and where the time goes.

Run:  python benchmarks/bench_submit.py [--runs 9]

It times, as medians over several runs:
  * the whole command, ``python -m grader.cli submit <reference> --json FILE``,
    in a fresh process each time (what a student waits for);
  * its parts: a bare interpreter with numpy (the floor for any process that
    grades numpy code), the CLI's own import, the child's start and import of
    the submission, and the checks' round trips.

Recorded 2026-11-23 on the project machine (2 cores, 24 GiB, x86_64 Linux,
CPython 3.11.7, numpy 2.4.6), ``--runs 9``, with the real interpreter (pyenv's
bash shim in front of the ``grade`` script adds about 0.2 s on this machine
and is not the grader's), another job using about one core (load 1.3):

    grade submit (whole command, fresh process) median of 9:    557 ms
      python + import numpy                               :    175 ms
      python + grader CLI import (--version)              :    129 ms
      child start + import of the submission              :    157 ms
      grade_submission in process (child + 14 checks)     :    188 ms

What dominates: two interpreters that import numpy (the grader and the
sandboxed child), about 350 ms of the 557. The rest is the grader's own imports
(click, rich; site's .pth hooks cost 44 ms on this machine) and 40 round trips
to the child (under 1 ms each). Earlier versions took 1.3 s: the child's
output threads were joined while it was alive (0.5 s), and the child ran
``site`` and the CLI imported the download stack (``requests``) needlessly.
On an idle machine numpy's import is about 130 ms and the whole command is
close to the 0.5 s target.

Namespaces (2026-12-02, same machine): the whole command with the child under
bubblewrap (PID, network, mount, IPC, UTS namespaces, seccomp, its own uid, a
cgroup, a tmpfs working folder) against the last version without them
(commit e54fcdb), timed as whole processes in 15 alternating pairs: median
560 ms (511-594) against 569 ms (543-584), a paired wall ratio of 0.996
(0.899-1.069). Starting bubblewrap costs a few ms. (The CPU figures of such a
pairing do not compare: the namespaced child ends with its PID namespace and
is never waited for by the command, so its CPU time is not counted to it.)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference" / "hw2_affine" / "solution.py"


def _median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _median_call(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    sys.path.insert(0, str(ROOT))
    from grader import assignments
    from grader.assignments import module_name
    from grader.grading import grade_submission
    from grader.sandbox import Limits, SubprocessSession

    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder) / "homework2_affine_reference.py"
        shutil.copyfile(REFERENCE, submission)
        result = Path(folder) / "result.json"
        python = sys.executable
        whole = _median_seconds([python, "-m", "grader.cli", "submit", str(submission), "--json", str(result)], runs)
        floor = _median_seconds([python, "-c", "import numpy"], runs)
        cli = _median_seconds([python, "-m", "grader.cli", "--version"], runs)

        def start_child() -> None:
            with SubprocessSession(submission, module_name=module_name(submission.name), limits=Limits()) as session:
                session.load()

        child = _median_call(start_child, runs)
        hw = assignments.get("hw2_affine")
        in_process = _median_call(lambda: grade_submission(submission, assignment=hw), runs)

    print(f"grade submit (whole command, fresh process) median of {runs}: {whole * 1000:6.0f} ms")
    print(f"  python + import numpy                               : {floor * 1000:6.0f} ms")
    print(f"  python + grader CLI import (--version)              : {cli * 1000:6.0f} ms")
    print(f"  child start + import of the submission              : {child * 1000:6.0f} ms")
    print(f"  grade_submission in process (child + 14 checks)     : {in_process * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
