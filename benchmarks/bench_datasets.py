"""Timings of the datasets layer on the real MNIST.

Run: ``python benchmarks/bench_datasets.py`` from the repository root (needs
``../shared/datasets/mnist``). It measures

* load: ``available("mnist")`` plus memory-mapped ``load`` of all six files of
  the cached full MNIST (what ``grade submit`` pays; target < 50 ms);
* import: ``import_idx("mnist")`` from the four gzipped IDX files;
* download: ``ensure("mnist")`` of the full S3 layout (225 MB) from a loopback
  HTTP server used as mirror, including verification and sha256 (target
  > 200 MB/s for the transfer itself, reported separately).

Recorded results (median of 5 for load, of 3 otherwise), 2026-11-23:

    machine: Linux x86_64, 2 cores, Python 3.11.7, numpy 2.4.6, requests 2.34.2
    import MNIST from IDX (6 files, verified):     1.0 s
    load cached full MNIST (memory-mapped):        2.2 ms
    download full layout incl. verify + sha256:    1.1 s (201 MB/s end to end)
    raw transfer throughput (Downloader only):     518 MB/s

(Downloads read with urllib3's ``read1`` in chunks of up to 4 MiB; the server
is this repository's test server, so the client is the bottleneck measured.)
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from datasets_server import SHARED_MNIST, DatasetServer  # noqa: E402

from grader import datasets  # noqa: E402
from grader.datasets import Downloader, RetryPolicy  # noqa: E402


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    if not SHARED_MNIST.is_dir():
        sys.exit(f"needs the real MNIST at {SHARED_MNIST}")
    print(f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, numpy {np.__version__}, requests {requests.__version__}")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        t_import = _median(lambda: datasets.import_idx("mnist", SHARED_MNIST, data_dir=cache,
                                                       notify=lambda m: None), 3)
        print(f"import MNIST from IDX (6 files, verified):     {t_import:.1f} s")

        def load_all() -> None:
            ds = datasets.available("mnist", data_dir=cache)
            for f in ds.spec.files:
                ds.load(f.split, f.kind)

        t_load = _median(load_all, 5)
        print(f"load cached full MNIST (memory-mapped):        {t_load * 1000:.1f} ms")

        served = cache / "mnist"
        total = sum((served / f.file).stat().st_size for f in datasets.load_spec("mnist").files)
        with DatasetServer(served) as server:
            def download() -> None:
                target = Path(tmp) / f"dl{time.perf_counter_ns()}"
                datasets.ensure("mnist", data_dir=target, mirror=server.url, progress=False,
                                notify=lambda m: None)

            t_dl = _median(download, 3)
            print(f"download full layout incl. verify + sha256:    {t_dl:.1f} s "
                  f"({total / t_dl / 1e6:.0f} MB/s end to end)")

            big = served / "mnist_train_images.npy"
            downloader = Downloader(requests.Session(), RetryPolicy())

            def transfer() -> None:
                part = Path(tmp) / "raw.part"
                downloader.download(server.url + big.name, part, label=big.name)
                part.unlink()

            t_raw = _median(transfer, 3)
            print(f"raw transfer throughput (Downloader only):     {big.stat().st_size / t_raw / 1e6:.0f} MB/s")


if __name__ == "__main__":
    main()
