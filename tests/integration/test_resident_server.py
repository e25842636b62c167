"""The resident ``grade submit`` server (``grader.server``): a repeated
self-check is handed to a standby that has the grader imported and the
child's zygote started, and it must grade exactly as the ordinary start does,
with the same isolation, exit codes and output, and never be asked when it
is not the grader installed now.

Each test has a socket folder and cache of its own (``XDG_RUNTIME_DIR``,
``XDG_CACHE_HOME``) and stops its server at the end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_files import REPO
from grader import server
from grader.sandbox import isolation
from grader.server import serve

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
STUB = REPO / "assignments" / "hw2_affine" / "homework2_affine.py"
GRADE = Path(sys.executable).with_name("grade")
AVAILABLE = isolation.probe()
NAMESPACED_ROOT = AVAILABLE.level == "namespaces" and AVAILABLE.root
TOOK = "the resident server's standby took the command"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    said = {"XDG_RUNTIME_DIR": str(runtime), "XDG_CACHE_HOME": str(tmp_path / "cache"), "GRADER_SERVER": "on",
            "GRADER_SERVER_IDLE": "120", "COLUMNS": "160"}
    for name, value in said.items():
        monkeypatch.setenv(name, value)
    yield dict(os.environ)
    server.stop()
    assert not server.running(), "a server of the test was left running"


def grade(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(GRADE), *args], capture_output=True, text=True, env=env, timeout=timeout)


def wait_for_server(timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = server.running()  # this process's own sys.path is not the grade script's: another key
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("no resident server came up after the first run")


def submission(tmp_path: Path, source: Path = REFERENCE, name: str = "homework2_affine_reference.py",
               extra: str = "") -> Path:
    path = tmp_path / name
    path.write_text(source.read_text() + extra)
    return path


def verdicts(path: Path) -> tuple:
    result = json.loads(path.read_text())
    return result["score"], result["isolation"], [(item["number"], item["status"], item["score"], item["output"])
                                                   for item in result["tests"]]


def test_a_second_submit_is_served_and_grades_exactly_as_the_first(tmp_path: Path, env: dict) -> None:
    path = submission(tmp_path)
    first = grade(env, "submit", str(path), "--json", str(tmp_path / "first.json"), "--profile-timing")
    assert first.returncode == 0, first.stderr
    assert TOOK not in first.stderr, "the first run of a build had a server to hand the command to"
    info = wait_for_server()
    served = []
    for n in range(2):
        time.sleep(0.5)  # the next standby starts its zygote once a command ends; nobody checks again sooner
        served.append(grade(env, "submit", str(path), "--json", str(tmp_path / f"served{n}.json"),
                            "--profile-timing"))
    for done in served:
        assert done.returncode == 0, done.stderr
        assert TOOK in done.stderr, done.stderr
        assert "Total: 15 / 15" in done.stdout, "the served command's output did not reach the client's stdout"
    assert verdicts(tmp_path / "served0.json") == verdicts(tmp_path / "first.json")
    assert verdicts(tmp_path / "served1.json") == verdicts(tmp_path / "first.json")
    if NAMESPACED_ROOT:
        assert verdicts(tmp_path / "first.json")[1] == "namespaces"
        assert "its child is forked from it" in served[1].stderr, "the standby's zygote was not the session's view"
    assert [found["pid"] for found in server.running()] == [info["pid"]], "the server did not stay up"


def test_the_stub_exit_codes_and_refusals_come_back_through_the_server(tmp_path: Path, env: dict) -> None:
    grade(env, "submit", str(submission(tmp_path)), "--json", str(tmp_path / "warm.json"))
    wait_for_server()
    stub = submission(tmp_path, STUB, "homework2_affine_stub.py")
    done = grade(env, "submit", str(stub), "--json", str(tmp_path / "stub.json"), "--profile-timing")
    assert TOOK in done.stderr and done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "stub.json").read_text())["score"] == 0
    missing = grade(env, "submit", str(tmp_path / "homework2_affine_missing.py"), "--profile-timing")
    assert missing.returncode == 2 and "no such file" in missing.stderr, missing.stderr
    bad = grade(env, "submit", str(stub), "--profile", "nonesuch")
    assert bad.returncode == 2 and "profiles" in bad.stderr, bad.stderr
    ordinary = grade({**env, "GRADER_SERVER": "off"}, "submit", str(stub), "--profile", "nonesuch")
    assert (ordinary.returncode, ordinary.stderr) == (bad.returncode, bad.stderr)


def test_a_submission_cannot_reach_or_stop_the_server(tmp_path: Path, env: dict) -> None:
    grade(env, "submit", str(submission(tmp_path)), "--json", str(tmp_path / "warm.json"))
    info = wait_for_server()
    attack = f'''
import os, signal, socket
for target in ({str(info["socket"])!r}, {os.path.dirname(str(info["socket"]))!r}):
    try:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        probe.connect(target)
        raise SystemExit("reached the grading server")
    except OSError:
        pass
for pid in ({info["pid"]}, os.getppid()):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
'''
    hostile = submission(tmp_path, REFERENCE, "homework2_affine_hostile.py", attack)
    done = grade(env, "submit", str(hostile), "--json", str(tmp_path / "hostile.json"), "--profile-timing")
    assert TOOK in done.stderr and done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "hostile.json").read_text())
    assert result["score"] == 15 and result["notes"] == [], "the attack did not run quietly, as it must fail: " + \
        json.dumps(result["notes"])
    assert [found["pid"] for found in server.running()] == [info["pid"]], "the submission stopped the server"
    again = grade(env, "submit", str(submission(tmp_path)), "--profile-timing")
    assert TOOK in again.stderr and again.returncode == 0


def test_ctrl_c_and_a_killed_client_end_the_served_command_and_the_server_goes_on(tmp_path: Path,
                                                                                   env: dict) -> None:
    grade(env, "submit", str(submission(tmp_path)), "--json", str(tmp_path / "warm.json"))
    wait_for_server()
    slow = submission(tmp_path, REFERENCE, "homework2_affine_slow.py", "\nimport time\ntime.sleep(60)\n")
    for how in (signal.SIGINT, signal.SIGKILL):
        started = time.monotonic()
        client = subprocess.Popen([str(GRADE), "submit", str(slow), "--profile-timing"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        client.send_signal(how)
        _, stderr = client.communicate(timeout=30)
        assert time.monotonic() - started < 25, "the served command outlived its client's signal"
        if how == signal.SIGINT:
            assert client.returncode == 1 and "Aborted" in stderr, stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the standby the killed client left ends, and the next one listens
        after = grade(env, "submit", str(submission(tmp_path)), "--profile-timing")
        if TOOK in after.stderr:
            break
    assert TOOK in after.stderr and after.returncode == 0, after.stderr


def test_no_server_is_asked_or_started_when_off_or_when_not_on_a_terminal(tmp_path: Path, env: dict) -> None:
    path = submission(tmp_path)
    for mode in ("off", "auto"):  # auto: captured output is no terminal, as in a script or an autograder
        done = grade({**env, "GRADER_SERVER": mode}, "submit", str(path), "--profile-timing")
        assert done.returncode == 0 and TOOK not in done.stderr
    time.sleep(1.5)
    assert server.running() == []
    grade(env, "submit", str(path))
    wait_for_server()
    off = grade({**env, "GRADER_SERVER": "off"}, "submit", str(path), "--profile-timing")
    assert TOOK not in off.stderr, "GRADER_SERVER=off still handed the command to the server"


def test_another_build_or_environment_is_another_server(tmp_path: Path, env: dict,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package" / "grader"
    (package / "server").mkdir(parents=True)
    (package / "cli.py").write_text("x = 1\n")
    fake = str(package / "server" / "__init__.py")
    monkeypatch.setattr(server, "__file__", fake)
    before = server.build_key()
    assert server.build_key() == before, "the key of one build is not stable"
    (package / "cli.py").write_text("x = 22\n")
    assert server.build_key() != before, "an edited source file kept the old server"
    edited = server.build_key()
    monkeypatch.setenv("GRADER_DATA_DIR", str(tmp_path / "elsewhere"))
    assert server.build_key() != edited, "another dataset folder kept the old server"


def test_a_socket_folder_others_can_enter_is_not_used(tmp_path: Path, env: dict) -> None:
    folder = Path(env["XDG_RUNTIME_DIR"]) / "grade"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert server.socket_dir() is None and server.socket_path() is None
    done = grade(env, "submit", str(submission(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert not list(folder.iterdir()), "a server put its socket in a folder others can enter"


class FakeZygote:
    """Only what the standby's check reads and calls (the check, not a zygote, is under test)."""

    def __init__(self, files: tuple[str, ...]) -> None:
        from grader.sandbox import forking

        self.key = forking.ViewKey(files, (), (), (), 1, 1, (), 1)
        self.closed = False

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def test_the_standby_drops_its_zygote_when_a_file_of_its_view_changed(tmp_path: Path) -> None:
    data = tmp_path / "train.npy"
    data.write_bytes(b"old")
    standby = serve.Standby(listener=None)  # type: ignore[arg-type]
    for change in (None, "replaced"):
        zygote = FakeZygote((str(data), str(tmp_path)))
        standby.zygote, standby.files = zygote, serve._signature(zygote.key.readable)
        if change:
            fresh = tmp_path / "fresh.npy"
            fresh.write_bytes(b"new data")
            fresh.replace(data)  # as a dataset fetched again lands
        kept = standby._zygote_if_unchanged()
        assert (kept is zygote) == (change is None) and zygote.closed == (change is not None)


def test_a_second_terminal_is_served_while_a_long_command_runs(tmp_path: Path, env: dict) -> None:
    grade(env, "submit", str(submission(tmp_path)), "--json", str(tmp_path / "warm.json"))
    wait_for_server()
    slow = submission(tmp_path, REFERENCE, "homework2_affine_slow.py", "\nimport time\ntime.sleep(60)\n")
    long = subprocess.Popen([str(GRADE), "submit", str(slow), "--profile-timing"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        started = time.monotonic()
        quick = grade(env, "submit", str(submission(tmp_path)), "--profile-timing")
        assert TOOK in quick.stderr and quick.returncode == 0, quick.stderr
        assert time.monotonic() - started < 8, "the second command waited for the first"
        assert long.poll() is None, "the long command ended early"
    finally:
        long.send_signal(signal.SIGINT)
        long.communicate(timeout=30)


def test_an_edited_course_is_read_afresh_by_the_served_command(tmp_path: Path, env: dict) -> None:
    course = tmp_path / "course"
    for part in ("assignments", "reference"):
        (course / part).mkdir(parents=True)
        shutil.copytree(REPO / part / "hw2_affine", course / part / "hw2_affine")
    env = {**env, "GRADER_COURSE_DIR": str(course)}
    path = submission(tmp_path)
    grade(env, "submit", str(path), "--json", str(tmp_path / "warm.json"))
    wait_for_server()
    time.sleep(0.5)
    manifest = course / "assignments" / "hw2_affine" / "assignment.toml"
    manifest.write_text(manifest.read_text().replace('name = "(1) W1, b1, W2, b2 of g and f"\npoints = 1',
                                                     'name = "(1) W1, b1, W2, b2 of g and f"\npoints = 4', 1))
    done = grade(env, "submit", str(path), "--json", str(tmp_path / "edited.json"), "--profile-timing")
    assert TOOK in done.stderr and done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "edited.json").read_text())["max_score"] == 18, "the server graded the old manifest"
