"""Who owns a grader's private folders and cgroups: the living grader that
holds their lock, never a pid number. Two graders in different PID
namespaces over one /tmp (a container, ``unshare --pid``, a CI runner) see
none of each other's pids, and must still never remove what the other is
using, nor keep what a dead one left behind."""

from __future__ import annotations

import errno
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from course_files import REPO
from grader.sandbox import Limits, SubprocessSession, bubblewrap, forking, isolation, ownership

APART = ("unshare", "--pid", "--fork", "--mount-proc", "--kill-child")
"""A PID namespace of its own, with a /proc showing only its own processes."""
CLI = Path(sys.executable).parent / "grade"
REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
HANG = "import numpy as np\n\nwhile True:\n    pass\n"


@pytest.fixture(scope="session")
def apart() -> tuple[str, ...]:
    """The command prefix that runs a process in a PID namespace of its own
    (skips where the machine does not allow one)."""
    if shutil.which("unshare") is None:
        pytest.skip("util-linux's unshare is not installed")
    try:
        done = subprocess.run([*APART, "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"unshare could not run: {exc}")
    if done.returncode != 0:
        pytest.skip("a new PID namespace is not permitted here (unshare --pid needs root or CAP_SYS_ADMIN, and a "
                    f"runtime that allows it): {done.stderr.strip()[:200]}")
    return APART


def _python(code: str, *args: str, apart: tuple[str, ...] = (), temp: Path, **popen) -> subprocess.Popen[str]:
    """This interpreter running ``code``, in a PID namespace of its own when
    ``apart``, with ``temp`` as its temporary folder."""
    return subprocess.Popen([*apart, sys.executable, "-c", code, *args], text=True,
                            env={**os.environ, "TMPDIR": str(temp)}, **popen)


OWNERS = {
    "folder": "print(ownership.private_folder('run'), flush=True)",
    "cgroup": "found = ownership.Cgroup.create(f'{os.getpid()}-0-1', 64 << 20, 16)\n"
              "print(*(found.folders if found else []), flush=True)",
}
"""What a grader makes, printing the paths (a cgroup: one per hierarchy)."""
SWEEPS = {
    "folder": "ownership.sweep_folders()",
    "cgroup": "ownership.sweep(sorted({Path(path).parent for path in sys.argv[1:]}))",
}
PLACES = {"sweeper apart": (False, True), "owner apart": (True, False), "both apart": (True, True)}
"""Where the owner and the sweeper run: (owner in a PID namespace of its own, sweeper in one)."""


@pytest.mark.parametrize("kind", sorted(OWNERS))
@pytest.mark.parametrize("place", sorted(PLACES))
def test_what_a_living_grader_owns_survives_every_sweep_and_goes_once_it_ends(kind, place, apart, tmp_path):
    """Fails on pid-based sweeps: a sweeper in another namespace cannot see the owner's pid (and removes a
    live folder or cgroup), and a dead owner that was pid 1 of its namespace looks alive (its cgroup stays)."""
    if kind == "cgroup" and os.geteuid() != 0:
        pytest.skip("the grader makes cgroups only as root")
    owner_apart, sweeper_apart = PLACES[place]
    temp = tmp_path / "tmp"
    temp.mkdir()
    prelude = "import os, sys\nfrom pathlib import Path\nfrom grader.sandbox import ownership\n"
    # Holds what it made until its stdin closes, then ends without cleaning up: a grader killed mid-grade.
    owner = _python(prelude + OWNERS[kind] + "\nsys.stdin.read()\nos._exit(0)\n", apart=apart if owner_apart else (),
                    temp=temp, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    made: list[str] = []
    try:
        assert owner.stdout is not None and owner.stdin is not None
        assert select.select([owner.stdout], [], [], 60)[0], "the owner printed nothing within a minute"
        made = owner.stdout.readline().split()
        if kind == "cgroup" and not made:
            pytest.skip("no cgroup the grader may create here (cgroups v1 or v2, writable as root)")
        assert made and all(Path(path).is_dir() for path in made), made

        def sweep() -> None:
            done = _python(prelude + SWEEPS[kind], *made, apart=apart if sweeper_apart else (), temp=temp)
            assert done.wait(timeout=60) == 0

        sweep()
        assert all(Path(path).is_dir() for path in made), "a sweep removed what a living grader was using"
        owner.stdin.close()
        assert owner.wait(timeout=30) == 0
        sweep()
        assert not any(Path(path).exists() for path in made), "a sweep kept what a grader that ended left behind"
    finally:
        owner.kill()
        owner.wait(timeout=30)
        for path in made:
            if kind == "cgroup":
                try:
                    os.rmdir(path)
                except OSError:
                    pass


LOOK = '''
import fcntl, os
def take_the_lock():
    """What a child can do to its working folder's lock: take it (it never can while the grader lives)."""
    fd = os.open(os.getcwd(), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        folder = os.stat(fd)
        return {"took": True, "folder": [folder.st_dev, folder.st_ino]}
    except OSError as exc:
        return {"took": False, "errno": exc.errno}
'''


@pytest.mark.parametrize("level", ["namespaces", "zygote", "uid"])
def test_the_child_never_holds_or_frees_its_graders_locks(level, monkeypatch, tmp_path):
    """The locks' descriptors stay in the grader: no descriptor of the child's processes (bubblewrap's and a
    zygote's included) is a folder or cgroup the grader owns; and whatever the child does to its working
    folder's lock, a sweep still finds the folder in use."""
    if os.geteuid() != 0:
        pytest.skip("a child of its own uid and a cgroup need root")
    if level != "uid" and isolation.probe().level != "namespaces":
        pytest.skip(f"no namespaces here: {isolation.probe().detail}")
    if level == "uid":
        if isolation.unreadable_runtime() is not None:
            pytest.skip(f"the uid level needs a Python runtime other users can read: {isolation.unreadable_runtime()}")
        monkeypatch.setenv(bubblewrap.BWRAP_ENV, "/nonexistent/bwrap")
        isolation.probe.cache_clear()
    # A temporary folder of its own that a child's uid can reach (pytest's are closed to other users).
    temp = Path(tempfile.mkdtemp(prefix="grade-ownership-", dir="/tmp"))
    temp.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    path = tmp_path / "homework2_affine_look.py"
    path.write_text(REFERENCE.read_text() + LOOK)
    pool = forking.ZygotePool() if level == "zygote" else None
    try:
        with SubprocessSession(path, module_name="homework2_affine_look", limits=Limits(), zygotes=pool) as session:
            assert session.load().ok
            took = session.call("take_the_lock").value
            zygote = session._forked_from
            assert (zygote is not None) == (level == "zygote")
            assert session.isolation == ("uid" if level == "uid" else "namespaces")
            top, cgroup = (zygote.process.pid, zygote.cgroup) if zygote else (session._child.process.pid,
                                                                               session._cgroup)  # type: ignore[union-attr]
            folders = [Path(zygote.root if zygote else session._workdir), *(cgroup.folders if cgroup else [])]
            owned = {(os.stat(folder).st_dev, os.stat(folder).st_ino) for folder in folders}
            held = []
            for pid in [top, *ownership.descendants(top)]:
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        found = os.stat(f"/proc/{pid}/fd/{fd}")
                    except OSError:
                        continue
                    if (found.st_dev, found.st_ino) in owned:
                        held.append(f"pid {pid} fd {fd}: {os.readlink(f'/proc/{pid}/fd/{fd}')}")
            ownership.sweep_folders()
            assert folders[0].is_dir(), "a sweep removed the folder of a session still open"
        assert not held, held
        if level == "uid":  # its own folder, as its own uid: the grader's lock is there
            assert took == {"took": False, "errno": errno.EWOULDBLOCK}, took
        else:  # a tmpfs of its own at the same path: whatever it locks is not the grader's folder
            assert took["took"] and tuple(took["folder"]) not in owned, took
    finally:
        if pool is not None:
            pool.close()
        isolation.probe.cache_clear()
        shutil.rmtree(temp, ignore_errors=True)


def _driver(cli: Path, files: list[Path], seconds: float, out: Path) -> str:
    """A grader's day: ``grade submit`` on each file in turn, again and
    again for ``seconds``, each run's exit status and result kept in ``out``."""
    return textwrap.dedent(f"""
        import json, subprocess, time
        stop = time.monotonic() + {seconds!r}
        runs = 0
        with open({str(out)!r}, "w") as out:
            while time.monotonic() < stop:
                path = {[str(file) for file in files]!r}[runs % {len(files)}]
                runs += 1
                try:
                    done = subprocess.run([{str(cli)!r}, "submit", path, "--timeout", "3", "--json", "-"],
                                          capture_output=True, text=True, timeout=90)
                    row = {{"file": path, "code": done.returncode, "stdout": done.stdout,
                            "stderr": done.stderr[-2000:]}}
                except subprocess.TimeoutExpired:
                    row = {{"file": path, "code": None, "stdout": "", "stderr": "still running after 90 s"}}
                out.write(json.dumps(row) + "\\n")
                out.flush()
    """)


SOAK_SECONDS = 30.0


@pytest.mark.slow
def test_two_graders_in_different_pid_namespaces_over_one_tmp_never_break_each_other(apart, tmp_path):
    """For SOAK_SECONDS (30 s; GRADE_SOAK_SECONDS=60 for the minute the ownership work was first proven
    with), one grader in the machine's PID namespace and one in its own, over the same temporary folder,
    grade a submission that hangs at top level and a correct one, again and again. Every run exits 0 with
    a result; no child ever fails to start because its folder was gone."""
    seconds = float(os.environ.get("GRADE_SOAK_SECONDS", SOAK_SECONDS))
    temp = tmp_path / "tmp"  # the graders' one /tmp, shared by both and by nothing else on this machine
    temp.mkdir()
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    hang, good = submissions / "homework2_affine_hang.py", submissions / "homework2_affine_good.py"
    hang.write_text(HANG)
    shutil.copyfile(REFERENCE, good)
    graders = {}
    for name, prefix in (("here", ()), ("apart", apart)):
        out = tmp_path / f"{name}.jsonl"
        graders[name] = (_python(_driver(CLI, [hang, good, hang], seconds, out), apart=prefix, temp=temp,
                                 cwd=submissions, start_new_session=True), out)
    hard_deadline = time.monotonic() + seconds + 150
    try:
        for process, _ in graders.values():
            assert process.wait(timeout=max(1.0, hard_deadline - time.monotonic())) == 0
    finally:
        for process, _ in graders.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
    problems = []
    for name, (_, out) in graders.items():
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) >= 6, f"the {name} grader ran {len(rows)} times only"
        for row in rows:
            which = f"{name} grader, {Path(row['file']).name}"
            if "could not start the child interpreter" in row["stderr"] or row["code"] != 0:
                problems.append(f"{which}: exit {row['code']}: {row['stderr'][-600:]}")
                continue
            result = json.loads(row["stdout"])
            expected = 0 if row["file"] == str(hang) else result["max_score"]
            if result["score"] != expected:
                problems.append(f"{which}: scored {result['score']}, not {expected}")
    assert not problems, f"{len(problems)} broken runs:\n" + "\n".join(problems[:10])
    assert not list(temp.glob("grade-*")), "a grader left a folder behind"
