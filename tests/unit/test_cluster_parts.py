"""The parts of the cluster engine that need no cluster: the course fingerprint and what it names,
a submission's bytes unpacked on a worker (never outside its folder), the files a worker kept
written back under the batch's folder (never elsewhere), why a worker is not used, and the
store's upgrade to the worker column."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from course_files import REPO
from grader import assignments
from grader.batch import remote
from grader.batch.cluster import _relocated, _why
from grader.batch.folder import Submission
from grader.batch.record import Batch
from grader.batch.store import ResultStore, digest


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("assignments", "reference", "datasets"):
        shutil.copytree(REPO / name, tmp_path / "course" / name, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("GRADER_COURSE_DIR", str(tmp_path / "course"))
    return tmp_path / "course"


def test_the_fingerprint_covers_checks_reference_and_dataset_manifests_and_names_what_differs(course):
    hw6 = assignments.get("hw6_mnist")
    before = remote.fingerprint(hw6)
    assert "datasets/mnist.toml" in before.files and "assignments/hw6_mnist/assignment.toml" in before.files
    assert any(name.startswith("reference/hw6_mnist/") for name in before.files)
    (course / "assignments" / "hw6_mnist" / "__pycache__").mkdir()
    (course / "assignments" / "hw6_mnist" / "__pycache__" / "checks.cpython-311.pyc").write_bytes(b"\0")
    assert remote.fingerprint(hw6).digest == before.digest  # caches are not the course

    for changed in ("reference/hw6_mnist/solution.py", "datasets/mnist.toml", "assignments/hw6_mnist/checks.py"):
        path = course / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        after = remote.fingerprint(hw6)
        assert after.digest != before.digest, changed
        assert before.differences(after) == f"its course differs in {changed}"
        path.write_bytes(original)
    assert remote.fingerprint(hw6).digest == before.digest
    other_build = remote.Fingerprint(before.course, before.files, "0" * 64, before.version)
    assert other_build.digest != before.digest and "another build" in before.differences(other_build)
    assert remote.resource("hw6_mnist", before.digest) == f"grade-hw6_mnist-{before.digest[:16]}"


def test_a_submission_is_unpacked_as_handed_in_and_never_outside_its_folder(tmp_path):
    handed = tmp_path / "homework2_affine_team"
    (handed / "src").mkdir(parents=True)
    (handed / "src" / "homework2_affine.py").write_text("x = 1\n")
    (handed / "report.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "in").mkdir()
    again = remote._unpack(handed.name, remote.pack(handed), tmp_path / "in")
    assert digest(again) == digest(handed)
    file = tmp_path / "homework2_affine_a.py"
    file.write_text("y = 2\n")
    assert remote._unpack(file.name, remote.pack(file), tmp_path / "in").read_text() == "y = 2\n"

    for name, payload in (("../escape.py", b""), ("/etc/x.py", b""), ("a/b.py", b""), ("..", b""),
                          ("folder", [("../../escape.py", b"")]), ("folder2", [("/abs.py", b"")]),
                          ("folder3", [("a/../../b.py", b"")])):
        with pytest.raises(ValueError):
            remote._unpack(name, payload, tmp_path / "in")
    assert not (tmp_path / "escape.py").exists() and not Path("/abs.py").exists()


def test_the_files_a_worker_kept_go_under_the_batchs_files_folder_and_nowhere_else(tmp_path):
    hw = assignments.get("hw2_affine")
    store = ResultStore(tmp_path / "out" / "grades.sqlite", assignment=hw.id, profile="official")
    batch = Batch(hw, "official", [], store, out=tmp_path / "out")
    submission = Submission(tmp_path / "homework2_affine_a.zip", "ab" * 32, ("a",))
    answer = {"result": {"score": 1, "handed": {"companions": [
        {"name": "report.pdf", "size": 8, "kept": "/tmp/grade-task-x/keep/report.pdf"},
        {"name": "notes.txt", "size": 2}]}},
        "keep_root": "/tmp/grade-task-x/keep",
        "kept": [("report.pdf", b"%PDF-1.4"), ("../../../evil.txt", b"no"), ("sub/notes.txt", b"hi")]}
    result = _relocated(answer, batch, submission)
    target = (tmp_path / "out" / "files" / ("ab" * 8)).resolve()
    assert (target / "report.pdf").read_bytes() == b"%PDF-1.4" and (target / "sub" / "notes.txt").read_text() == "hi"
    assert result["handed"]["companions"][0]["kept"] == str(target / "report.pdf")
    assert "kept" not in result["handed"]["companions"][1]
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "evil.txt").exists()
    store.close()


def test_why_a_worker_is_not_used_is_said_in_the_courses_terms(course):
    hw = assignments.get("hw2_affine")
    own = remote.fingerprint(hw)
    wanted = remote.resource(hw.id, own.digest)
    mine = remote.probe(hw.id)
    assert mine["assignments"]["hw2_affine"]["digest"] == own.digest and "error" not in mine

    def why(answer: object, resources: dict[str, float] | None = None, isolation: str = "strict") -> str:
        return _why(answer, hw.id, own, wanted, resources or {}, isolation)

    assert why(mine) .startswith("it was not started by grade worker")
    assert why(mine, {"grade-hw2_affine-0000000000000000": 1}).startswith("it offers no grade-hw2_affine-")
    assert why({"error": "ConfigError: no course folder here"}) == "it cannot read a course (ConfigError: no course folder here)"
    assert why({**mine, "isolation": {"level": "process", "detail": "no user namespaces"}}) == \
        "it has no strict isolation (no user namespaces)"
    assert why({**mine, "isolation": {"refuse": "root without namespaces"}}).startswith("it refuses to run student code")
    assert why({**mine, "assignments": {}}) == "its course has no assignment hw2_affine"
    lacking = {**mine, "assignments": {"hw2_affine": {**mine["assignments"]["hw2_affine"],
                                                     "datasets": {"mnist": "mnist is not in the cache"}}}}
    assert why(lacking) == "it lacks datasets: mnist: mnist is not in the cache"
    changed = {**mine["assignments"]["hw2_affine"]}
    changed["files"] = {**changed["files"], "assignments/hw2_affine/checks.py": "0" * 64}
    assert why({**mine, "assignments": {"hw2_affine": changed}}).startswith(
        "its course differs in assignments/hw2_affine/checks.py (course folder there: ")
    assert why("Timeout") .startswith("it did not answer the grader's probe")


def test_a_version_2_store_gains_the_worker_column_and_keeps_its_results(tmp_path):
    path = tmp_path / "grades.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE results (digest TEXT PRIMARY KEY, file TEXT NOT NULL, score REAL NOT NULL,
                max_score REAL NOT NULL, seconds REAL NOT NULL, result TEXT NOT NULL, graded_at TEXT NOT NULL);
            INSERT INTO meta VALUES ('schema_version', '2'), ('assignment', 'hw2_affine'), ('profile', 'official');
            INSERT INTO results VALUES ('d1', 'homework2_affine_a.py', 15, 15, 0.5, '{"score": 15}', 'then');
        """)
    store = ResultStore(path, assignment="hw2_affine", profile="official")
    old = store.get("d1")
    assert old is not None and old.worker == "local" and old.result == {"score": 15}
    store.put("d2", "homework2_affine_b.py", {"score": 3}, 1.0, worker="grader2-0")
    assert store.get("d2").worker == "grader2-0"  # type: ignore[union-attr]
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("3",)


def test_grade_worker_check_says_what_it_offers_and_why_not(course, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import main

    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "empty-cache"))  # no dataset cached
    run = CliRunner().invoke(main, ["worker", "--scheduler", "tcp://127.0.0.1:1", "--check"])
    assert run.exit_code == 0, run.output
    lines = {line.split("│")[1].strip(): line for line in run.output.splitlines() if line.count("│") >= 3}
    digest = remote.fingerprint(assignments.get("hw2_affine")).digest
    assert "yes" in lines["hw2_affine"] and digest[:16] in lines["hw2_affine"]
    assert "no" in lines["hw6_mnist"] and "mnist" in lines["hw6_mnist"]
    assert f"course: {course}" in run.output

    run = CliRunner().invoke(main, ["worker", "--scheduler", "tcp://127.0.0.1:1", "--check", "--assignment",
                                    "hw6_mnist"])
    assert run.exit_code == 2 and "can grade none of the course's assignments" in run.output
