"""``grade batch --scheduler``: a class graded on a real Dask cluster on 127.0.0.1 (a ``dask
scheduler`` and ``grade worker`` processes, started and stopped here) gives the local engine's
grades.csv and results; ``kill -9`` of a worker mid-batch loses and duplicates nothing; a
submission whose worker dies twice is a recorded failure; an unreachable scheduler is exit 2 in
seconds; a worker holding another course is named and never used. Skipped without
``distributed`` (pip install 'grade[cluster]')."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS

pytest.importorskip("distributed", reason="the cluster engine needs Dask distributed: pip install 'grade[cluster]'")
from distributed import Client  # noqa: E402

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
SOLUTION = (REPO / "reference" / "hw2_affine" / "solution.py").read_text(encoding="utf-8")
START_SECONDS = 60


def slow(seconds: float) -> str:
    """The reference, with part 6's derivative sleeping (the grader calls it at 3 points): full marks,
    3 x ``seconds`` of grading."""
    return SOLUTION + f'''

import time as _time

_answer = part6_derivative


def part6_derivative(x):
    _time.sleep({seconds})
    return _answer(x)
'''


def environment(course: Path = REPO) -> dict[str, str]:
    return {**os.environ, "GRADER_COURSE_DIR": str(course)}


class Cluster:
    """A scheduler and its workers, each in a process group of its own, all killed at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.processes: list[subprocess.Popen[bytes]] = []
        file = folder / "scheduler.json"
        self._start([str(BIN / "python"), "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
                     "0", "--no-dashboard", "--scheduler-file", str(file)], "scheduler")
        deadline = time.monotonic() + START_SECONDS
        while not file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(file.read_text())["address"]
        self.client = Client(self.address, timeout=START_SECONDS)

    def _start(self, command: list[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        with (self.folder / f"{log}.log").open("wb") as out:
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env or environment(),
                                       start_new_session=True, cwd=self.folder)
        self.processes.append(process)
        return process

    def worker(self, name: str, course: Path = REPO) -> subprocess.Popen[bytes]:
        """A ``grade worker`` of one process (under its nanny); returns once the scheduler has it, or the process
        if it ended (its log says why)."""
        process = self._start([str(BIN / "grade"), "worker", "--scheduler", self.address, "--nworkers", "1",
                               "--name", name, "--assignment", "hw2_affine", "--", "--no-dashboard"], name,
                              environment(course))
        deadline = time.monotonic() + START_SECONDS
        while name not in self.names() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        return process

    def names(self) -> dict[str, str]:
        """Worker name -> address."""
        return {str(info["name"]): address for address, info in self.client.scheduler_info(n_workers=-1)["workers"].items()}

    def pids(self) -> dict[str, int]:
        """Worker address -> the pid of its worker process (not its nanny)."""
        return self.client.run(os.getpid)

    def close(self) -> None:
        self.client.close()
        for process in reversed(self.processes):
            with_group(process, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with_group(process, signal.SIGKILL)
                process.wait(5)


def with_group(process: subprocess.Popen[bytes], number: int) -> None:
    try:
        os.killpg(process.pid, number)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One scheduler and two grade workers (w1, w2) on 127.0.0.1, for the module."""
    found = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        for name in ("w1", "w2"):
            process = found.worker(name)
            assert process.poll() is None, (found.folder / f"{name}.log").read_text()
        yield found
    finally:
        found.close()


def batch(folder: Path, out: Path, *options: str, course: Path = REPO,
          timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "grade"), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                           *options], capture_output=True, text=True, timeout=timeout, env=environment(course))


def a_class(folder: Path) -> Path:
    """Students' files: the reference, the stub, a worked example and the suite's buggy hw2_affine files, each
    twice (distinct by a comment), and a byte-identical pair."""
    folder.mkdir()
    sources = {"reference": SOLUTION, "stub": (REPO / "assignments" / "hw2_affine" / "homework2_affine.py").read_text(),
               "example": (REPO / "examples" / "homework2_affine_jsmith.py").read_text()}
    sources.update({path.stem.replace("_", ""): path.read_text() for path in sorted((SUBMISSIONS / "hw2_affine").glob("*.py"))})
    for name, source in sources.items():
        for copy in (1, 2):
            (folder / f"homework2_affine_{name}{copy}.py").write_text(f"{source}\n# copy {copy}\n")
    shutil.copyfile(folder / "homework2_affine_reference1.py", folder / "homework2_affine_twin.py")
    return folder


def rows(out: Path) -> list[dict[str, str]]:
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def stored(out: Path) -> list[tuple[str, str, float, str]]:
    with sqlite3.connect(out / "grades.sqlite") as db:
        return db.execute("SELECT digest, file, score, worker FROM results ORDER BY file").fetchall()


def without_timing(value: object) -> object:
    if isinstance(value, dict):
        return {key: without_timing(item) for key, item in value.items()
                if "seconds" not in key and key != "execution_time"}
    if isinstance(value, list):
        return [without_timing(item) for item in value]
    return value


def test_a_class_graded_on_the_cluster_gives_the_local_engines_grades(tmp_path, cluster):
    folder = a_class(tmp_path / "class")
    local = batch(folder, tmp_path / "local")
    assert local.returncode == 0, local.stderr
    distributed = batch(folder, tmp_path / "cluster", "--scheduler", cluster.address)
    assert distributed.returncode == 0, distributed.stdout + distributed.stderr

    assert (tmp_path / "cluster" / "grades.csv").read_text() == (tmp_path / "local" / "grades.csv").read_text()
    scores = {row["Student"]: row["Affine maps: composition and gradients"] for row in rows(tmp_path / "cluster")}
    assert scores["reference1"] == "15" and scores["stub1"] == "0" and len(set(scores.values())) > 2, scores
    for result in sorted((tmp_path / "local" / "results").glob("*.json")):
        theirs = tmp_path / "cluster" / "results" / result.name
        assert without_timing(json.loads(theirs.read_text())) == without_timing(json.loads(result.read_text())), result
    graded = stored(tmp_path / "cluster")
    assert len(graded) == len({digest for digest, *_ in graded}) == len(list(folder.iterdir())) - 1  # the twin once
    assert {worker for *_, worker in graded} == {"w1", "w2"}, graded
    assert {worker for *_, worker in stored(tmp_path / "local")} == {"local"}
    summary = json.loads((tmp_path / "cluster" / "summary.json").read_text())
    assert {w["worker"]: w["graded"] for w in summary["workers"]} == {
        name: sum(worker == name for *_, worker in graded) for name in ("w1", "w2")}
    assert all(entry["graded_by"] in ("w1", "w2") and entry["seconds"] > 0 for entry in summary["files"])
    assert "## Workers" in (tmp_path / "cluster" / "summary.md").read_text()
    assert "2 worker(s) grade: w1, w2" in distributed.stdout

    again = batch(folder, tmp_path / "cluster", "--scheduler", cluster.address)  # a rerun grades nothing
    assert again.returncode == 0 and stored(tmp_path / "cluster") == graded, again.stderr
    assert "14 stored earlier" in again.stdout and "Cluster" not in again.stdout, again.stdout


def test_kill_9_of_a_worker_mid_batch_loses_and_duplicates_nothing(tmp_path, cluster):
    folder = tmp_path / "class"
    folder.mkdir()
    for number in range(6):
        (folder / f"homework2_affine_s{number}.py").write_text(slow(1.0) + f"\n# s{number}\n")
    out = tmp_path / "out"
    run = subprocess.Popen([str(BIN / "grade"), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                            "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=environment())
    deadline = time.monotonic() + 60
    victim = None
    while victim is None and time.monotonic() < deadline:
        busy = [address for address, keys in cluster.client.processing().items() if keys]
        if busy and cluster.names().get("w1") in busy:
            victim = cluster.pids()[cluster.names()["w1"]]
        time.sleep(0.1)
    assert victim is not None, "w1 never graded"
    time.sleep(0.5)  # in the middle of a submission's 3 s
    os.kill(victim, signal.SIGKILL)
    output, _ = run.communicate(timeout=180)
    assert run.returncode == 0, output

    graded = stored(out)
    assert sorted(file for _, file, *_ in graded) == sorted(p.name for p in folder.iterdir())
    assert all(score == 15 for _, _, score, _ in graded), graded
    assert [row["Affine maps: composition and gradients"] for row in rows(out)[1:]] == ["15"] * 6
    assert len(list((out / "results").glob("*.json"))) == 6


def test_a_submission_whose_worker_dies_twice_is_a_failure_with_the_reason(tmp_path, cluster):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "homework2_affine_deadly.py").write_text(slow(3.0))
    (folder / "homework2_affine_fine.py").write_text(SOLUTION)
    out = tmp_path / "out"
    run = subprocess.Popen([str(BIN / "grade"), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                            "--scheduler", cluster.address], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, env=environment())
    killed: list[str] = []
    deadline = time.monotonic() + 90
    while len(killed) < 2 and time.monotonic() < deadline:
        for address, keys in cluster.client.processing().items():
            if address not in killed and any("grade-" in str(key) for key in keys) and _grading_deadly(cluster, out):
                time.sleep(0.5)
                pid = cluster.pids().get(address)
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(address)
        time.sleep(0.1)
    output, _ = run.communicate(timeout=120)
    assert len(killed) == 2, (killed, output)
    assert run.returncode == 0, output
    results = {path.name: json.loads(path.read_text()) for path in (out / "results").glob("*.json")}
    deadly = results["homework2_affine_deadly.json"]
    assert deadly["score"] == 0 and "died 2 times" in deadly["internal_errors"][0], deadly
    assert results["homework2_affine_fine.json"]["score"] == 15


def _grading_deadly(cluster: Cluster, out: Path) -> bool:
    """Whether the one task left is the slow file's: the quick one is stored already."""
    database = out / "grades.sqlite"
    if not database.exists():
        return False
    with sqlite3.connect(database) as db:
        try:
            return db.execute("SELECT count(*) FROM results WHERE file = 'homework2_affine_fine.py'").fetchone()[0] == 1
        except sqlite3.OperationalError:
            return False


def test_an_unreachable_scheduler_is_exit_2_in_seconds(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "homework2_affine_a.py").write_text(SOLUTION)
    started = time.monotonic()
    run = batch(folder, tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{port}", timeout=60)
    assert time.monotonic() - started < 30
    assert run.returncode == 2, run.stdout + run.stderr
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: nothing listens on port {port}" in run.stderr
    assert "Traceback" not in run.stderr
    # A host that answers nothing at all (a documentation address, never routed): Dask's own timeout.
    started = time.monotonic()
    run = batch(folder, tmp_path / "out", "--scheduler", "tcp://192.0.2.1:8786", timeout=60)
    assert time.monotonic() - started < 30
    assert run.returncode == 2 and "cannot reach the Dask scheduler at tcp://192.0.2.1:8786" in run.stderr, run.stderr


def test_a_worker_with_another_course_is_named_and_never_used(tmp_path, cluster):
    other = tmp_path / "other-course"
    for name in ("assignments", "reference", "datasets"):
        shutil.copytree(REPO / name, other / name, ignore=shutil.ignore_patterns("__pycache__"))
    checks = other / "assignments" / "hw2_affine" / "checks.py"
    checks.write_text(checks.read_text() + "\n# this term's version\n")
    stranger = cluster.worker("stranger", other)
    try:
        assert stranger.poll() is None, (cluster.folder / "stranger.log").read_text()
        folder = a_class(tmp_path / "class")
        run = batch(folder, tmp_path / "out", "--scheduler", cluster.address)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "not used: stranger: its course differs in assignments/hw2_affine/checks.py" in run.stdout
        assert {worker for *_, worker in stored(tmp_path / "out")} <= {"w1", "w2"}
    finally:
        with_group(stranger, signal.SIGTERM)
        stranger.wait(10)

    alone = Cluster(tmp_path / "alone-cluster")  # a cluster of that worker only: nothing can be graded
    try:
        assert alone.worker("stranger", other).poll() is None
        run = batch(folder, tmp_path / "out2", "--scheduler", alone.address, timeout=60)
        assert run.returncode == 2, run.stdout + run.stderr
        assert "no worker of the Dask scheduler" in run.stderr and "checks.py" in run.stderr
        assert not (tmp_path / "out2" / "grades.csv").exists()
    finally:
        alone.close()


def test_a_local_batch_never_imports_dask(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "homework2_affine_a.py").write_text(SOLUTION)
    code = ("import sys\nfrom grader.cli import main\ntry:\n    main(['batch', sys.argv[1], '--assignment', 'hw2_affine',"
            " '--out', sys.argv[2]])\nexcept SystemExit:\n    pass\n"
            "print('IMPORTED', sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    run = subprocess.run([sys.executable, "-c", code, str(folder), str(tmp_path / "out")], capture_output=True,
                         text=True, timeout=120, env=environment())
    assert "IMPORTED []" in run.stdout, run.stdout + run.stderr
    assert (tmp_path / "out" / "grades.csv").is_file()
