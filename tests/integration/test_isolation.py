"""The isolation level: namespaces where the machine gives them (CI runs as
root on Linux), said in every result; the Python audit hook alone elsewhere,
said plainly; --isolation strict refuses to grade without namespaces."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_files import REPO
from grader import assignments
from grader.cli import main
from grader.errors import IsolationUnavailable
from grader.grading import grade_submission
from grader.sandbox import bubblewrap, isolation, seccomp

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
HW = assignments.get("hw2_affine")
NAMESPACES = isolation.probe().level == "namespaces"


@pytest.fixture
def no_namespaces(monkeypatch):
    """This machine, seen as one without Linux namespaces (no bwrap to run),
    as a user: a student's laptop."""
    monkeypatch.setenv(bubblewrap.BWRAP_ENV, "/nonexistent/bwrap")
    monkeypatch.setattr(isolation, "is_root", lambda: False)
    isolation.probe.cache_clear()
    yield
    isolation.probe.cache_clear()


@pytest.fixture
def container(monkeypatch):
    """This machine, seen as a container where root may not create namespaces
    (Gradescope's): no bwrap to run, still root."""
    if os.geteuid() != 0:
        pytest.skip("the uid level needs root")
    closed = isolation.unreadable_runtime()
    if closed is not None:
        pytest.skip(f"the uid level needs a Python runtime other users can read; {closed} is closed here "
                    "(an interpreter under /root): there the grader refuses to run student code as root, as "
                    "test_as_root_without_namespaces_or_a_readable_runtime_nothing_is_graded checks")
    monkeypatch.setenv(bubblewrap.BWRAP_ENV, "/nonexistent/bwrap")
    isolation.probe.cache_clear()
    yield
    isolation.probe.cache_clear()


@pytest.mark.skipif(not NAMESPACES, reason=f"no namespaces here: {isolation.probe().detail}")
def test_the_child_runs_in_namespaces_and_the_result_says_so(as_submission):
    report = grade_submission(as_submission(REFERENCE, "homework2_affine_a.py"), assignment=HW)
    assert report.score == 15 and report.isolation == "namespaces"
    data = json.loads(json.dumps(report.to_json()))
    assert data["isolation"] == "namespaces" and "PID, network, mount" in data["isolation_detail"]


@pytest.mark.skipif(not NAMESPACES, reason=f"no namespaces here: {isolation.probe().detail}")
def test_inside_the_child_sees_only_its_own_world(tmp_path):
    path = tmp_path / "homework2_affine_look.py"
    path.write_text(REFERENCE.read_text() + '''
import os, socket
def look():
    found = {"uid": os.getuid(), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
             "reference": os.path.exists(%r), "classmates": os.path.exists(%r)}
    found["status"] = [l.split()[1] for l in open("/proc/self/status")
                       if l.startswith(("NoNewPrivs", "Seccomp:", "CapEff"))]
    return found
''' % (str(REPO / "reference"), str(tmp_path)))
    from grader.sandbox import Limits, SubprocessSession

    with SubprocessSession(path, module_name="homework2_affine_look", limits=Limits()) as session:
        assert session.load().ok
        found = session.call("look").value
    assert found["pids"] == ["1", "2"], found
    assert found["reference"] is False and found["classmates"] is False, found
    cap_eff, no_new_privs, seccomp = found["status"]
    assert int(cap_eff, 16) == 0 and no_new_privs == "1" and seccomp == "2", found
    if os.geteuid() == 0:
        assert found["uid"] >= isolation.UID_BASE, found


def test_without_namespaces_auto_grades_under_the_hook_and_says_so(no_namespaces, as_submission):
    path = as_submission(REFERENCE, "homework2_affine_b.py")
    report = grade_submission(path, assignment=HW)
    assert report.score == 15 and report.isolation == "python-hook"
    assert "bubblewrap could not run" in report.isolation_detail
    result = CliRunner().invoke(main, ["submit", str(path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Isolation: Python audit hook only" in result.output


def test_strict_refuses_to_grade_without_namespaces(no_namespaces, as_submission, tmp_path):
    witness = tmp_path / "ran"
    path = as_submission(f"open({str(witness)!r}, 'w').write('x')\n", "homework2_affine_c.py")
    with pytest.raises(IsolationUnavailable, match="strict isolation needs Linux namespaces"):
        grade_submission(path, assignment=HW, isolation="strict")
    result = CliRunner().invoke(main, ["submit", str(path), "--isolation", "strict"])
    assert result.exit_code == 2 and "strict isolation needs Linux namespaces" in result.output
    assert not witness.exists()


@pytest.mark.skipif(not NAMESPACES, reason=f"no namespaces here: {isolation.probe().detail}")
def test_strict_grades_where_namespaces_work(as_submission):
    report = grade_submission(as_submission(REFERENCE, "homework2_affine_d.py"), assignment=HW, isolation="strict")
    assert report.score == 15 and report.isolation == "namespaces"


def test_the_seccomp_program_refuses_the_listed_calls_on_this_architecture():
    program = seccomp.seccomp_program()
    if program is None:
        pytest.skip("libseccomp is not installed: the namespaces still hold, without the system-call filter")
    assert len(program) % 8 == 0 and len(program) > 8 * len(seccomp.DENIED_SYSCALLS)


def test_as_root_without_namespaces_each_child_gets_an_unprivileged_uid(container, tmp_path, as_submission):
    secret = tmp_path / "root-only" / "hidden.txt"
    secret.parent.mkdir()
    secret.write_text("the hidden answers")
    secret.parent.chmod(0o700)
    path = tmp_path / "homework2_affine_uid.py"
    path.write_text(REFERENCE.read_text() + """
import ctypes, os, time
def look():
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.open(%r.encode(), 0)  # under the audit hook: the kernel alone must refuse
    return {"uid": os.getuid(), "fd": fd, "errno": ctypes.get_errno()}
def leave_a_daemon():
    libc = ctypes.CDLL(None)
    pid = libc.fork()
    if pid == 0:
        libc.setsid()
        time.sleep(120)
        os._exit(0)
    return pid
""" % str(secret))
    from grader.sandbox import Limits, SubprocessSession

    with SubprocessSession(path, module_name="homework2_affine_uid", limits=Limits()) as session:
        assert session.isolation == "uid"
        assert session.load().ok
        found = session.call("look").value
        daemon = session.call("leave_a_daemon").value
    assert found["uid"] >= isolation.UID_BASE and found["fd"] == -1 and found["errno"] == 13, found
    assert isinstance(daemon, int) and daemon > 0
    deadline = time.monotonic() + 5
    while Path(f"/proc/{daemon}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{daemon}").exists() or "Z" in Path(f"/proc/{daemon}/stat").read_text().split()[2], \
        "a process the child left running outlived its session"
    report = grade_submission(as_submission(REFERENCE, "homework2_affine_e.py"), assignment=HW)
    assert report.score == 15 and report.isolation == "uid" and "unprivileged uid" in report.isolation_detail
    with pytest.raises(IsolationUnavailable):
        grade_submission(path, assignment=HW, isolation="strict")


def test_as_root_without_namespaces_or_a_readable_runtime_nothing_is_graded(monkeypatch, as_submission, tmp_path):
    """The child would run as root with only the Python guard around it (one kill(-1) from ending every
    process on the machine): the grader refuses, in every mode, before any student code runs."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    monkeypatch.setenv(bubblewrap.BWRAP_ENV, "/nonexistent/bwrap")
    monkeypatch.setattr(isolation, "unreadable_runtime", lambda: "/root")
    isolation.probe.cache_clear()
    witness = tmp_path / "ran"
    path = as_submission(f"open({str(witness)!r}, 'w').write('x')\n", "homework2_affine_f.py")
    try:
        with pytest.raises(IsolationUnavailable, match="student code would run as root"):
            grade_submission(path, assignment=HW)
        result = CliRunner().invoke(main, ["submit", str(path)])
    finally:
        isolation.probe.cache_clear()
    assert result.exit_code == 2 and "/root is closed to other users" in result.output
    assert not witness.exists()
