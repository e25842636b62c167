"""The isolation level: namespaces where the machine gives them (CI runs as
root on Linux), said in every result; the Python audit hook alone elsewhere,
said plainly; --isolation strict refuses to grade without namespaces."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_files import REPO
from grader import assignments
from grader.cli import main
from grader.errors import IsolationUnavailable
from grader.grading import grade_submission
from grader.sandbox import isolation

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
HW = assignments.get("hw2_affine")
NAMESPACES = isolation.probe().level == "namespaces"


@pytest.fixture
def no_namespaces(monkeypatch):
    """This machine, seen as one without Linux namespaces (no bwrap to run)."""
    monkeypatch.setenv(isolation.BWRAP_ENV, "/nonexistent/bwrap")
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
    program = isolation.seccomp_program()
    if program is None:
        pytest.skip("libseccomp is not installed: the namespaces still hold, without the system-call filter")
    assert len(program) % 8 == 0 and len(program) > 8 * len(isolation.DENIED_SYSCALLS)
