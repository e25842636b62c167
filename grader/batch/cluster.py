"""Grading a batch on a Dask cluster: ``grade batch DIR --scheduler tcp://HOST:PORT``.

The coordinator (the instructor's machine) does everything a local batch does
but the grading: it reads and hashes the folder, keeps the store, writes the
outputs. Each submission still to grade goes to the cluster as one task holding
its bytes (``remote.grade``); each result is committed to the store as it
arrives, by the same code as the local engine's (``record._store``), so a
distributed run resumes, dedupes and writes exactly what a local run does.

Workers are ``grade worker`` processes (``dask worker`` after checks): each
offers a Dask resource naming the assignments it can grade and its course's
fingerprint (``remote.resource``). Tasks ask for the coordinator's own
fingerprint, so the scheduler never gives one to a worker with another course,
or one missing a dataset; the coordinator names each worker it will not use and
why. A worker that dies mid-task: the scheduler gives the task to another (or
to the same one, restarted by its nanny); a submission that was being graded on
``WORKER_DEATHS`` workers that died is stored as a grader failure with that
reason, and the batch goes on.

Dask is imported only here, only for ``--scheduler``.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.batch import remote
from grader.batch.folder import Submission
from grader.batch.record import WORKER_DEATHS, Batch, BatchEvent, _store
from grader.batch.workers import _failed
from grader.errors import UsageError

if TYPE_CHECKING:
    from distributed import Client

CONNECT_SECONDS = 10.0
"""How long the coordinator tries to reach the scheduler, then waits for a first worker."""
AHEAD = 2
"""Tasks in flight per usable worker (each task carries a submission's bytes)."""

_ALLOW_FAILURES = """
def allow_failures(count, dask_scheduler=None):
    dask_scheduler.allowed_failures = count
    return count
"""
"""Sent to the scheduler by value (it need not have the grader installed): how many times a task may
be lost with its worker before it fails (``KilledWorker``) instead of being given to another."""


@dataclass(frozen=True)
class ClusterReady:
    """The cluster a distributed batch grades on: the workers it uses, and those it will not, with why."""

    scheduler: str
    workers: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


def connect(address: str) -> Client:
    """A client of the scheduler at ``address``; a usage error, within about ``CONNECT_SECONDS``, when it
    cannot be reached."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise UsageError("--scheduler needs Dask distributed, which is not installed: pip install 'grade[cluster]' "
                         "(on the coordinator and on every grading machine)") from exc
    _listening(address)
    try:
        return Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address} within {CONNECT_SECONDS:g} s "
                         f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no answer'}). Is "
                         "`dask scheduler` running there, and its port open from this machine?") from exc


def _listening(address: str) -> None:
    """For a ``tcp://HOST:PORT`` address: a usage error at once when nothing listens there (the connection
    is refused), instead of Dask's retries until its timeout. Anything else is left to Dask."""
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    if not address.startswith("tcp://") or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except ConnectionRefusedError as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: nothing listens on port {port} of {host} "
                         "(connection refused). Is `dask scheduler` running there, on that port?") from exc
    except OSError:
        pass  # unreachable or slow: Dask says so within its timeout


def _names(client: Client) -> dict[str, tuple[str, dict[str, float]]]:
    """Worker address -> (name, resources)."""
    workers = client.scheduler_info(n_workers=-1).get("workers", {})
    return {address: (str(info.get("name", address)), dict(info.get("resources") or {}))
            for address, info in workers.items()}


def check_workers(client: Client, address: str, batch: Batch, isolation: str) -> tuple[str, ClusterReady]:
    """The resource this batch's tasks ask for, and which workers offer it. Workers that do not are probed
    for the reason (another course or grader, a dataset missing, no isolation, not a ``grade worker``). No
    usable worker: a usage error listing them all."""
    assignment = batch.assignment
    own = remote.fingerprint(assignment)
    wanted = remote.resource(assignment.id, own.digest)
    try:
        client.wait_for_workers(1, timeout=CONNECT_SECONDS)
    except TimeoutError as exc:
        raise UsageError(f"the Dask scheduler at {address} has no workers (none joined within {CONNECT_SECONDS:g} "
                         "s): start them on the grading machines with grade worker --scheduler "
                         f"{address}") from exc
    found = _names(client)
    usable = sorted(name for name, resources in found.values() if resources.get(wanted, 0) >= 1)
    others = [worker for worker, (name, resources) in found.items() if resources.get(wanted, 0) < 1]
    refused = []
    if others:
        answers = client.run(remote.probe, assignment.id, workers=others, on_error="return")
        for worker in others:
            refused.append((found[worker][0], _why(answers.get(worker), assignment.id, own, wanted, found[worker][1],
                                                   isolation)))
    ready = ClusterReady(address, tuple(usable), tuple(sorted(refused)))
    if not usable:
        listed = "; ".join(f"{name}: {why}" for name, why in ready.refused)
        raise UsageError(f"no worker of the Dask scheduler at {address} can grade {assignment.id} as this machine "
                         f"does ({listed}). Start workers with grade worker --scheduler {address} on machines that "
                         "hold this course (GRADER_COURSE_DIR) and its datasets")
    return wanted, ready


def _why(answer: Any, assignment_id: str, own: remote.Fingerprint, wanted: str, resources: dict[str, float],
         isolation: str) -> str:
    """Why a worker does not offer ``wanted``, from its probe."""
    if not isinstance(answer, dict):
        return f"it did not answer the grader's probe ({type(answer).__name__}: {answer})"
    if "error" in answer:
        return f"it cannot read a course ({answer['error']})"
    level = (answer.get("isolation") or {})
    if level.get("refuse"):
        return f"it refuses to run student code ({level['refuse']})"
    if isolation == "strict" and level.get("level") != "namespaces":
        return f"it has no strict isolation ({level.get('detail', 'no namespaces')})"
    mine = (answer.get("assignments") or {}).get(assignment_id)
    if not isinstance(mine, dict):
        return f"its course has no assignment {assignment_id}"
    theirs = remote.Fingerprint(answer.get("course", "?"), dict(mine.get("files") or {}), str(mine.get("code")),
                                str(mine.get("version")))
    if theirs.digest != own.digest:
        return f"{own.differences(theirs)} (course folder there: {theirs.course})"
    if mine.get("datasets"):
        return "it lacks datasets: " + "; ".join(f"{name}: {why}" for name, why in mine["datasets"].items())
    if not any(name.startswith(remote.RESOURCE_PREFIX) for name in resources):
        return (f"it was not started by grade worker (it offers no {remote.RESOURCE_PREFIX}* resource); start it with "
                "grade worker --scheduler ADDRESS")
    return f"it offers no {wanted} resource (started before this course's files changed? restart its grade worker)"


def grade(pending: list[Submission], batch: Batch, *, address: str, profile: str | None, isolation: str,
          notify: BatchEvent) -> None:
    """Grade ``pending`` on the cluster at ``address``, storing each result as it arrives."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    client = connect(address)
    futures: dict[Any, Submission] = {}
    try:
        wanted, ready = check_workers(client, address, batch, isolation)
        notify(ready)
        _allow_failures(client, WORKER_DEATHS - 1)
        digest = remote.fingerprint(batch.assignment).digest
        token = uuid.uuid4().hex[:8]
        left = list(pending)
        done = as_completed(loop=client.loop)
        capacity = _Capacity(client, wanted, len(ready.workers))

        def send() -> None:
            while left and len(futures) < capacity() * AHEAD:
                submission = left.pop(0)
                future = client.submit(remote.grade, submission.path.name, remote.pack(submission.path),
                                       batch.assignment.id, profile, isolation, digest, pure=False,
                                       key=f"grade-{submission.digest[:16]}-{token}", resources={wanted: 1})
                futures[future] = submission
                done.add(future)

        send()
        for future in done:
            submission = futures.pop(future)
            try:
                answer = future.result()
            except KilledWorker:
                answer = {"result": _failed(submission.path.name, batch.assignment, (
                    f"the grading worker died {WORKER_DEATHS} times while this submission was being graded (the "
                    "worker's own process, not the sandboxed child)")), "seconds": 0.0, "worker": "-"}
            except (concurrent.futures.CancelledError, OSError) as exc:
                raise UsageError(f"lost the Dask scheduler at {address} ({type(exc).__name__}: {exc}); what was "
                                 "graded is stored: run the same grade batch again to grade the rest") from exc
            except Exception as exc:  # the task itself failed on its worker: that submission's grader failure
                answer = {"result": _failed(submission.path.name, batch.assignment,
                                            f"the worker failed to grade it: {type(exc).__name__}: {exc}"),
                          "seconds": 0.0, "worker": "-"}
            if "refused" in answer:
                raise UsageError(f"{answer['refused']}: its course changed after its grade worker started; restart "
                                 "it. What was graded is stored: run the same grade batch again to grade the rest")
            result = _relocated(answer, batch, submission)
            _store(batch, submission, result, float(answer.get("seconds", 0.0)), notify,
                   worker=str(answer.get("worker", "-")))
            send()
    finally:
        if futures:
            client.cancel(list(futures))
        client.close()


class _Capacity:
    """How many workers offer the batch's resource now (workers that joined count too), asked of the
    scheduler at most every ``every`` seconds."""

    def __init__(self, client: Client, wanted: str, workers: int, every: float = 5.0) -> None:
        self.client, self.wanted, self.every = client, wanted, every
        self.workers, self.asked = workers, time.monotonic()

    def __call__(self) -> int:
        if time.monotonic() - self.asked >= self.every:
            self.asked = time.monotonic()
            self.workers = sum(resources.get(self.wanted, 0) >= 1 for _, resources in _names(self.client).values())
        return max(1, self.workers)


def _allow_failures(client: Client, count: int) -> None:
    namespace: dict[str, Any] = {"__name__": "grade_on_scheduler"}  # no importable module: pickled by value
    exec(_ALLOW_FAILURES, namespace)  # noqa: S102 - our own constant text
    client.run_on_scheduler(namespace["allow_failures"], count)


def _relocated(answer: dict[str, Any], batch: Batch, submission: Submission) -> dict[str, Any]:
    """The worker's result, with the files it kept written under the batch's ``files/`` (as the local engine
    keeps them) and its paths pointing there."""
    result = answer["result"]
    kept = answer.get("kept") or []
    root = answer.get("keep_root")
    if not kept or not root or batch.out is None:
        return result
    target = (batch.out / "files" / submission.digest[:16]).resolve()
    for relative, data in kept:
        path = target.joinpath(*Path(relative).parts)
        if not path.resolve().is_relative_to(target):
            continue  # a worker's answer is not trusted with paths either
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for companion in (result.get("handed") or {}).get("companions") or []:
        if isinstance(companion, dict) and str(companion.get("kept", "")).startswith(root):
            companion["kept"] = str(target) + str(companion["kept"])[len(root):]
    return result
