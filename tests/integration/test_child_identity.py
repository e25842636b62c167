"""Whatever the probe (or a cache of it) said of this machine, every child
reports, before any student code runs, the uid and namespaces it really
has, and the grader refuses one that is not isolated as it expects: a
bubblewrap that quietly leaves a namespace out is caught at the child's
start, not trusted."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course_files import REPO
from grader.errors import SandboxError
from grader.sandbox import Limits, SubprocessSession, isolation
from grader.sandbox.levels import Available

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
AVAILABLE = isolation.probe()


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache folder of the test's own: the probe it forgets is nobody else's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


OWN = {name: os.readlink(f"/proc/self/ns/{name}") for name in isolation.CHILD_NAMESPACES}
ELSEWHERE = {name: f"{name}:[1]" for name in isolation.CHILD_NAMESPACES}
NAMESPACES = Available("namespaces", "as cached", "/usr/bin/bwrap", True)


@pytest.mark.parametrize("ready, uid, refused", [
    ({"uid": 100_001, "namespaces": ELSEWHERE}, 100_001, None),
    ({"uid": 100_001, "namespaces": OWN}, 100_001, "shares the grader's pid namespace"),
    ({"uid": 100_001, "namespaces": {**ELSEWHERE, "net": OWN["net"]}}, 100_001, "net namespace"),
    ({"uid": 100_001, "namespaces": {**ELSEWHERE, "mnt": None}}, 100_001, "mnt namespace"),
    ({"uid": 100_001}, 100_001, "did not say which namespaces"),
    ({"uid": 0, "namespaces": ELSEWHERE}, 100_001, "runs as uid 0"),
])
def test_a_child_is_checked_against_the_isolation_it_should_have(ready, uid, refused) -> None:
    found = isolation.not_isolated(NAMESPACES, ready, uid)
    assert (found is None) if refused is None else (refused in (found or "")), found


LEAKY_BWRAP = '''#!/bin/sh
# bubblewrap that quietly leaves the child in the grader's network namespace
for arg do
  shift
  [ "$arg" = "--unshare-net" ] && continue
  set -- "$@" "$arg"
done
exec {real} "$@"
'''


@pytest.mark.skipif(AVAILABLE.level != "namespaces", reason=f"needs bubblewrap's namespaces: {AVAILABLE.detail}")
def test_a_child_outside_the_namespaces_a_cached_probe_promises_is_refused(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = tmp_path / "bwrap"
    leaky.write_text(LEAKY_BWRAP.format(real=AVAILABLE.bwrap))
    leaky.chmod(0o755)
    monkeypatch.setenv("GRADER_BWRAP", str(leaky))
    isolation.probe.cache_clear()
    try:
        assert isolation.probe().level == "namespaces"  # as the probe (or a cache of it) says of this bwrap
        path = tmp_path / "homework2_affine_reference.py"
        path.write_text(REFERENCE.read_text())
        with pytest.raises(SandboxError, match="not isolated as the grader expected.*net namespace"):
            with SubprocessSession(path, module_name=path.stem, limits=Limits(), isolation="strict") as session:
                session.load()
    finally:
        isolation.forget()
