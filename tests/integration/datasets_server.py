"""Test helpers for the datasets layer: a real loopback HTTP server with
scripted faults, and course folders built from the real MNIST/Fashion-MNIST.

The server is a ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread; it
shuts itself down after ``lifetime`` seconds even if a test forgets to.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from grader.datasets import idx
from grader.datasets.manifest import DatasetSpec, load_spec
from grader.datasets.verify import class_counts

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "datasets"
SHARED_MNIST = REPO.parent / "shared" / "datasets" / "mnist"
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
NO_MNIST = f"the real MNIST IDX files are not at {SHARED_MNIST} (../shared/datasets/mnist from the repo root)"
NO_FASHION = f"the Debian package dataset-fashion-mnist is not installed ({DEBIAN_FASHION} is absent)"

_RANGE = re.compile(r"bytes=(\d+)-$")


@dataclass
class Logged:
    path: str
    range: str | None
    status: int


@dataclass
class ServerState:
    root: Path
    faults: dict[str, list[str]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, name: str) -> str | None:
        with self.lock:
            queue = self.faults.get(name)
            return queue.pop(0) if queue else None

    def record(self, path: str, rng: str | None, status: int) -> None:
        with self.lock:
            self.log.append(Logged(path, rng, status))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    state: ServerState

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        name = self.path.lstrip("/")
        rng = self.headers.get("Range")
        fault = self.state.next_fault(name)
        if self.state.delay:
            time.sleep(self.state.delay)
        if fault in ("500", "429", "503"):
            self._plain(int(fault), b"try again later\n", name, rng, {"Retry-After": "0"})
            return
        if fault == "html":
            body = b"<!DOCTYPE html><html><body><h1>Access Denied</h1></body></html>\n"
            self._plain(200, body, name, rng, {"Content-Type": "text/html"})
            return
        path = self.state.root / name
        if not path.is_file():
            self._plain(404, b"not found\n", name, rng)
            return
        data = path.read_bytes()
        st = path.stat()
        etag = f'"{st.st_size}-{st.st_mtime_ns}"'
        start = 0
        match = _RANGE.match(rng or "")
        honour = match and fault != "ignore-range" and self.headers.get("If-Range", etag) == etag
        if honour:
            start = int(match.group(1))
            if start >= len(data):
                self._plain(416, b"", name, rng, {"Content-Range": f"bytes */{len(data)}"})
                return
        status = 206 if honour else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        if honour:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        self.state.record(name, rng, status)
        body = memoryview(data)[start:]
        if fault and fault.startswith("drop:"):
            self.wfile.write(body[: int(fault.split(":")[1])])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        for offset in range(0, len(body), 8 << 20):
            self.wfile.write(body[offset: offset + (8 << 20)])

    def _plain(self, status: int, body: bytes, name: str, rng: str | None,
               headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.state.record(name, rng, status)


class DatasetServer:
    """Serves the files of ``root`` at ``url``; faults are scripted per file."""

    def __init__(self, root: Path, *, lifetime: float = 120.0) -> None:
        self.state = ServerState(root)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._deadline = threading.Timer(lifetime, self.stop)
        self._deadline.daemon = True
        self._stopped = False

    def __enter__(self) -> DatasetServer:
        self._thread.start()
        self._deadline.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._deadline.cancel()
            if self._thread.is_alive():
                self._httpd.shutdown()
            self._httpd.server_close()

    def fail(self, file: str, *faults: str) -> None:
        self.state.faults.setdefault(file, []).extend(faults)

    def log_for(self, file: str) -> list[Logged]:
        return [entry for entry in self.state.log if entry.path == file]


def full_arrays(name: str) -> dict[str, np.ndarray]:
    """Every file of the real dataset, built from the real IDX files."""
    source = SHARED_MNIST if name == "mnist" else DEBIAN_FASHION
    return idx.build_arrays(load_spec(name, MANIFESTS), source)


def small_arrays(name: str, full: dict[str, np.ndarray], rows: int) -> dict[str, np.ndarray]:
    """The first ``rows`` rows of each real file: small, still real data."""
    return {file: np.ascontiguousarray(array[:rows]) for file, array in full.items()}


def write_course(folder: Path, name: str, arrays: dict[str, np.ndarray], base_url: str,
                 *, debian_dir: Path | None = None) -> tuple[Path, Path]:
    """Write ``<folder>/s3/<files>`` and ``<folder>/datasets/<name>.toml`` whose
    shapes and per-class counts are those of ``arrays`` and whose URLs point
    at ``base_url``. Returns (manifests dir, served dir)."""
    spec = load_spec(name, MANIFESTS)
    served = folder / "s3"
    manifests = folder / "datasets"
    served.mkdir(parents=True, exist_ok=True)
    manifests.mkdir(parents=True, exist_ok=True)
    for file, array in arrays.items():
        np.save(served / file, array, allow_pickle=False)
    (manifests / f"{name}.toml").write_text(manifest_text(spec, arrays, base_url, debian_dir))
    return manifests, served


def manifest_text(spec: DatasetSpec, arrays: dict[str, np.ndarray], base_url: str,
                  debian_dir: Path | None) -> str:
    q = json.dumps
    lines = ["schema_version = 1", f"name = {q(spec.name)}", f"title = {q(spec.title)}",
             f"classes = {spec.classes}", f"class_word = {q(spec.class_word)}", ""]
    if spec.importer:
        lines += ["[import]", 'format = "idx"']
        lines += [f"{k} = {q(v)}" for k, v in spec.importer.idx_names.items()]
        lines += [f"images_encoding = {q(spec.importer.images_encoding)}",
                  f"labels_encoding = {q(spec.importer.labels_encoding)}", ""]
    if debian_dir is not None:
        lines += ["[debian]", 'package = "dataset-fashion-mnist"', f"dir = {q(str(debian_dir))}", ""]
    for f in spec.files:
        array = arrays[f.file]
        lines += ["[[files]]", f"split = {q(f.split)}", f"kind = {q(f.kind)}", f"file = {q(f.file)}",
                  f"url = {q(base_url + f.file)}", f"shape = {list(array.shape)}", f"dtype = {q(f.dtype)}"]
        if f.range:
            lines.append(f"range = {list(f.range)}")
        if f.encoding:
            lines.append(f"encoding = {q(f.encoding)}")
            lines.append(f"class_counts = {class_counts(array, f).tolist()}")
        if f.import_rows:
            lines.append(f"import_rows = {q(list(f.import_rows))}")
        lines.append("")
    return "\n".join(lines)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_cache_clean(root: Path) -> None:
    """Nothing half-written anywhere; every final file is locked and valid."""
    partial = root / ".partial"
    leftovers = sorted(p.name for p in partial.iterdir()) if partial.exists() else []
    assert leftovers == [], f"partial files left behind: {leftovers}"
    lock = json.loads((root / "sha256.lock.json").read_text()) if (root / "sha256.lock.json").exists() else {"files": {}}
    for npy in root.glob("*.npy"):
        assert npy.name in lock["files"], f"{npy.name} sits in the cache with no lock entry"
        assert sha256(npy) == lock["files"][npy.name]["sha256"], f"{npy.name} differs from its lock"
        np.load(npy, allow_pickle=False)
