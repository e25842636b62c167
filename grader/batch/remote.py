"""What a cluster's workers run for ``grade batch --scheduler`` (``cluster``):
the same grading as a local batch worker (``workers._grade_one``, warm zygotes,
strict isolation, the assignment's limits), on a submission sent as bytes.

This module never imports Dask itself: a worker calls these functions by name
(Dask pickles them by reference), and the coordinator only needs them to exist
on both sides. Whether a worker may grade an assignment is decided by what it
holds, hashed: the assignment's folder, its hidden reference, its datasets'
manifests (the course's part) and the grader's own code. Two machines whose
hashes agree grade a submission alike; ``grade worker`` advertises the hash
as a Dask resource (``resource``), and the coordinator asks for it, so a task
never reaches a worker with another course, even one restarted by its nanny.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Union

import grader
from grader import assignments, paths
from grader.assignments import Assignment
from grader.batch import workers

Payload = Union[bytes, list[tuple[str, bytes]]]
"""A submission as sent: a file's bytes, or a folder's files (relative POSIX path, bytes)."""
MAX_KEPT_BYTES = 256 * 1024 * 1024
"""What a worker sends back of the files that came with one submission (the PDF), at most."""


@dataclass(frozen=True)
class Fingerprint:
    """What decides how a worker grades an assignment, hashed."""

    course: str
    """The course folder it was read from (on that machine)."""
    files: dict[str, str]
    """Course file (relative to the course folder) -> sha256."""
    code: str
    """The grader package's own source, hashed."""
    version: str

    @property
    def digest(self) -> str:
        found = hashlib.sha256(f"grade {self.version}\ncode {self.code}\n".encode())
        for name in sorted(self.files):
            found.update(f"{name} {self.files[name]}\n".encode())
        return found.hexdigest()

    def differences(self, other: Fingerprint) -> str:
        """How ``other`` (a worker's) differs from this one (the coordinator's), in a line."""
        parts = []
        if other.version != self.version or other.code != self.code:
            parts.append(f"its grader is another build (version {other.version}, code {other.code[:12]}; here "
                         f"{self.version}, {self.code[:12]})")
        changed = sorted(name for name in set(self.files) | set(other.files)
                         if self.files.get(name) != other.files.get(name))
        if changed:
            shown = ", ".join(changed[:4]) + (f" and {len(changed) - 4} more" if len(changed) > 4 else "")
            parts.append(f"its course differs in {shown}")
        return "; ".join(parts) or "its fingerprint differs"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path, root: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {item.relative_to(root).as_posix(): _sha256(item) for item in sorted(folder.rglob("*"))
            if item.is_file() and "__pycache__" not in item.parts and item.suffix != ".pyc"}


_CODE: list[str] = []


def _code_digest() -> str:
    """The grader package's Python source, hashed (once per process: it does not change under a running worker)."""
    if not _CODE:
        package = Path(grader.__file__).resolve().parent
        found = hashlib.sha256()
        for name, digest in sorted(_tree(package, package).items()):
            found.update(f"{name} {digest}\n".encode())
        _CODE.append(found.hexdigest())
    return _CODE[0]


def fingerprint(assignment: Assignment) -> Fingerprint:
    """This machine's fingerprint for grading ``assignment``."""
    root = paths.course_dir()
    files = {**_tree(assignment.folder, root), **_tree(assignment.reference_folder, root)}
    for name in assignment.datasets:
        manifest = paths.dataset_manifests_dir() / f"{name}.toml"
        if manifest.is_file():
            files[manifest.relative_to(root).as_posix()] = _sha256(manifest)
    return Fingerprint(str(root), files, _code_digest(), grader.__version__)


RESOURCE_PREFIX = "grade-"


def resource(assignment_id: str, digest: str) -> str:
    """The Dask resource a worker able to grade ``assignment_id`` with this fingerprint offers."""
    return f"{RESOURCE_PREFIX}{assignment_id}-{digest[:16]}"


def probe(assignment_id: str | None = None) -> dict[str, Any]:
    """What this worker can grade: its course, isolation and datasets, and the
    fingerprint of ``assignment_id`` (of every assignment when None). Never raises:
    a worker that cannot say is described by the error."""
    from grader import datasets
    from grader.sandbox import isolation

    found: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(), "grader": grader.__version__}
    try:
        available = isolation.probe()
        found["isolation"] = {"level": available.level, "detail": available.detail, "refuse": available.refuse}
        found["course"] = str(paths.course_dir())
        chosen = [assignments.get(assignment_id)] if assignment_id else assignments.all_assignments()
        found["assignments"] = {}
        for assignment in chosen:
            own = fingerprint(assignment)
            missing = {name: datasets.missing_reason(name) for name in assignment.datasets
                       if datasets.available(name) is None}
            found["assignments"][assignment.id] = {"digest": own.digest, "files": own.files,
                                                   "code": own.code, "version": own.version,
                                                   "datasets": missing}
    except Exception as exc:  # a course that cannot be read: said, not raised into the coordinator
        found["error"] = f"{type(exc).__name__}: {exc}"
    return found


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}-{os.getpid()}"


def _unpack(name: str, payload: Payload, into: Path) -> Path:
    """Write the submission as it was handed in, under its own name, in ``into``."""
    if PurePosixPath(name).name != name or name in ("", ".", ".."):
        raise ValueError(f"a submission's name must be a plain file name, not {name!r}")
    target = into / name
    if isinstance(payload, bytes):
        target.write_bytes(payload)
        return target
    target.mkdir()
    for relative, data in payload:
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"{name}: a folder entry must be a relative path inside it, not {relative!r}")
        path = target.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return target


def pack(path: Path) -> Payload:
    """A handed file or folder as sent to a worker: the files ``store.digest`` hashes."""
    if not path.is_dir():
        return path.read_bytes()
    return [(item.relative_to(path).as_posix(), item.read_bytes()) for item in sorted(path.rglob("*"))
            if item.is_file() and not item.is_symlink()]


def _kept(folder: Path) -> list[tuple[str, bytes]]:
    found, total = [], 0
    for item in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if item.is_file() and not item.is_symlink():
            total += item.stat().st_size
            if total > MAX_KEPT_BYTES:
                break
            found.append((item.relative_to(folder).as_posix(), item.read_bytes()))
    return found


def _zygotes() -> None:
    """This worker process's warm zygotes, started with its first task and closed when it exits."""
    if workers._ZYGOTES is None:
        from grader.sandbox.forking import ZygotePool

        workers._ZYGOTES = ZygotePool()
        atexit.register(workers._ZYGOTES.close)


def grade(name: str, payload: Payload, assignment_id: str, profile: str | None, isolation: str,
          digest: str) -> dict[str, Any]:
    """Grade one submission on this worker: its result JSON (a grader failure
    becomes the result), the seconds it took, this worker's name, and the files
    kept with it. ``digest`` is the coordinator's fingerprint: a worker whose
    own differs grades nothing and says so (``refused``)."""
    started = time.perf_counter()
    worker = _worker_name()
    assignment = assignments.get(assignment_id)
    own = fingerprint(assignment)
    if own.digest != digest:
        return {"refused": f"{worker} holds another course or grader (fingerprint {own.digest[:16]}, the "
                           f"coordinator's {digest[:16]})", "worker": worker}
    for variable in workers.ONE_THREAD:
        os.environ[variable] = "1"
    _zygotes()
    with tempfile.TemporaryDirectory(prefix="grade-task-") as folder:
        handed = Path(folder) / "in"
        handed.mkdir()
        path = _unpack(name, payload, handed)
        keep = Path(folder) / "keep"
        result, seconds = workers._grade_one(str(path), assignment_id, profile, None, isolation, str(keep))
        return {"result": result, "seconds": seconds, "worker": worker, "kept": _kept(keep),
                "keep_root": str(keep), "task_seconds": time.perf_counter() - started}
