"""How long ``grade submit`` takes on the hw2_affine reference, against a bare numpy import, and where the time goes.

Run:  python benchmarks/bench_submit.py [--runs 15] [--server on|off|both]

It times, in a fresh process each, in alternating pairs (A B A B ...):
  A  ``grade submit <reference> --json FILE`` (the installed ``grade`` script, what a student runs);
  B  ``python -c "import numpy"`` in the same interpreter (the floor for any process that grades numpy code);
and prints the medians of A, B and of the pair-by-pair ratio A/B, the load average before and after,
then one run of ``grade submit --profile-timing``: each step's moment and share. A warm-up run first
fills the caches a student's second run finds (the isolation probe, the view of the head start).

Before (2026-12-04, the project machine: 2 cores AMD EPYC, 24 GiB, x86_64 Linux, CPython 3.11.7,
numpy 2.4.6, namespaces as root; whole processes timed from outside, 9 pairs, load 1.0-1.2, another
job using about one core; the grader's sources compiled to .pyc as an installed package has them):

    grade submit    median 0.624-0.653 s wall
    import numpy    median 0.116-0.153 s wall
    ratio A/B       median 4.1-5.9 (issue: 5.3, 0.77 s against 0.14 s)

    Where it went, one run (ms from the process's start): interpreter and site 30; the CLI's imports
    (numpy, click, rich, the download stack through the progress bar: requests, 60 ms) 550; the manifest
    and plug-in 10; the child's start (bubblewrap, an interpreter, numpy) 340, only then; its import and
    the 14 items' 40 round trips 160; the result shown and written 20.

After (2026-12-04, same machine, this script, --runs 15; the machine was shared with other jobs,
load average 3.9-4.5 during the run, so the absolute times are about twice an idle machine's and
the ratio is the figure to compare):

    grade submit    median 848 ms wall
    import numpy    median 286 ms wall
    ratio A/B       median 3.17 (2.12-4.42)

    The same pairing with the tools above, right after, load 4.5-5.8: the version before these
    changes 5.09 (4.30-6.82, 1.41 s against 0.27 s), this one 3.17 (1.71-3.76, 0.85 s against 0.26 s).

    Where it goes now (one --profile-timing run, ms from the process's start): interpreter and site
    29; the head start's imports and the cached probe 53, then the early zygote is launched; the CLI's
    imports 306 (numpy 40-50% of it, rich, click, the grader's modules), in parallel with the zygote
    on the other core; manifest and plug-in 22; waiting for the zygote 23; the child forked and
    checked (its uid and namespaces) 21; the submission's import, 40 round trips and the checks 107;
    the result shown and written 19.

On an idle machine (2026-12-04 21:54, same machine, --runs 15, load average 1.4-1.6):

    grade submit    median 379 ms wall (0.62-0.65 s before these changes, idle)
    import numpy    median 91 ms wall
    ratio A/B       median 4.21 (4.07-4.59)

    Where it goes (ms from the process's start): interpreter 26; head start 31, the early zygote
    launched at 57; the CLI's imports and option parsing until 258, while the zygote starts on the
    other core and is ready at 242 (bubblewrap, an interpreter, numpy, the harness: 185 ms, twice a
    bare numpy import); manifest 5; the child forked from the zygote and checked 21; graded 40;
    shown and written 10.

What stood between this and the 2.0x asked for: the grader's own interpreter must import numpy
(1.0x by itself) and then click, rich and the grader (about 0.6-1.0x more), and the checks' 40
sequential round trips come after both; the child's start is no longer on the path.

With the resident server (2026-12-05 00:55, same machine, --runs 15, load average 0.63-0.46; both
modes in one run, each in a socket folder of its own, with a 0.8 s pause before every timed command
so that the server's restart of its standby after a command does not land on the next timing):

    resident server (a student's repeated self-check: GRADER_SERVER=on here, since the benchmark's
    output is no terminal; a terminal's run starts it by itself)
    grade submit    median 124 ms wall
    import numpy    median 95 ms wall
    ratio A/B       median 1.29 (1.14-1.65)

    Where it goes (ms from the client's start): the client's interpreter, its imports and the
    build's key, until the command is sent, 34; the standby takes it 2; the CLI (already imported)
    and the manifest 7; the child forked from the standby's zygote 12, checked 9; graded (40 round
    trips and the checks) 39; shown and written 10.

    no server (GRADER_SERVER=off: a first run, a script, an autograder)
    grade submit    median 355 ms wall
    import numpy    median 92 ms wall
    ratio A/B       median 3.81 (3.43-4.30)
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
REFERENCE = ROOT / "reference" / "hw2_affine" / "solution.py"
GRADE = Path(sys.executable).with_name("grade")


PAUSE_SECONDS = 0.8
"""Between two timed commands: the resident server forks its next standby
and starts its zygote after a command (two interpreters' worth of work on
these two cores), which would otherwise land on the next timing; a student
does not check again within a second either."""


def _wall(command: list[str], env: dict[str, str]) -> float:
    time.sleep(PAUSE_SECONDS)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def _load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def _wait_for_server(env: dict[str, str]) -> None:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from grader import server

        deadline = time.monotonic() + 30
        while not server.running() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _stop_server(env: dict[str, str]) -> None:
    subprocess.run([str(GRADE), "server", "stop"], env=env, stdout=subprocess.DEVNULL, check=False)


def _measure(name: str, submit: list[str], env: dict[str, str], runs: int) -> None:
    numpy = [sys.executable, "-c", "import numpy"]
    load_before = _load()
    _wall(submit, env)  # warm-up: the probe and the head start's view cached, a server left (if on)
    if env["GRADER_SERVER"] == "on":
        _wait_for_server(env)
    _wall(submit, env)
    _wall(numpy, env)
    pairs = [(_wall(submit, env), _wall(numpy, env)) for _ in range(runs)]
    load_after = _load()
    profiled = subprocess.run([*submit, "--profile-timing"], check=True, capture_output=True, text=True, env=env)
    whole = statistics.median(a for a, _ in pairs)
    floor = statistics.median(b for _, b in pairs)
    ratios = sorted(a / b for a, b in pairs)
    print(f"{name}: {runs} pairs, load average (1/5/15 min) {load_before} before, {load_after} after")
    print(f"  grade submit (whole command, fresh process): median {whole * 1000:6.0f} ms")
    print(f"  python -c 'import numpy'                   : median {floor * 1000:6.0f} ms")
    print(f"  ratio, pair by pair                         : median {statistics.median(ratios):5.2f} "
          f"(min {ratios[0]:.2f}, max {ratios[-1]:.2f})")
    print("  where the time went, one run of grade submit --profile-timing:")
    print("\n".join(f"    {line}" for line in profiled.stderr.splitlines() if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--server", choices=["on", "off", "both"], default="both",
                        help="with the resident server (a student's second and later runs), without "
                             "(GRADER_SERVER=off: a first run, a script), or both (the default)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder) / "homework2_affine_reference.py"
        shutil.copyfile(REFERENCE, submission)
        runtime = Path(folder) / "run"
        runtime.mkdir(mode=0o700)
        submit = [str(GRADE), "submit", str(submission), "--json", str(Path(folder) / "result.json")]
        modes = ["on", "off"] if options.server == "both" else [options.server]
        for mode in modes:
            # the output is not a terminal here, so the server is asked to start (on), as a terminal would
            env = {**os.environ, "GRADER_SERVER": mode, "XDG_RUNTIME_DIR": str(runtime)}
            try:
                _measure("resident server" if mode == "on" else "no server (GRADER_SERVER=off)", submit, env,
                         options.runs)
            finally:
                _stop_server(env)


if __name__ == "__main__":
    main()
