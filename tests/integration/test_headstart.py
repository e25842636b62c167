"""``grade submit``'s head start: the sandboxed child started before the
grader imports its CLI, from the view the same command used last time.

The early zygote's child must be as isolated as any (its own uid and
namespaces, nothing of the course visible, no network), a cached view that
no longer matches what the session computes (stale, or edited to widen the
sandbox) must never be used (whatever it holds, a child that does not really sit in its
own namespaces is refused: ``test_child_identity``)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_files import REPO
from grader.sandbox import Limits, SubprocessSession, headstart, isolation

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
AVAILABLE = isolation.probe()
NAMESPACED_ROOT = AVAILABLE.level == "namespaces" and AVAILABLE.root
needs_zygotes = pytest.mark.skipif(not NAMESPACED_ROOT, reason=f"zygotes need namespaces as root: {AVAILABLE.detail}")
GRADE = Path(sys.executable).with_name("grade")

LOOK = '''
import os, socket

def who(course):
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=1).close()
        network = True
    except OSError:
        network = False
    return {"uid": os.getuid(), "net": os.readlink("/proc/self/ns/net"), "pid": os.readlink("/proc/self/ns/pid"),
            "mnt": os.readlink("/proc/self/ns/mnt"), "course_visible": os.path.exists(course), "network": network}
'''


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache folder of the test's own: the views it writes reach no other run."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def looking_file(tmp_path: Path) -> Path:
    path = tmp_path / "homework2_affine_look.py"
    path.write_text(REFERENCE.read_text() + LOOK)
    return path


def graded_with(pool: headstart.HeadStartPool, path: Path) -> dict:
    with SubprocessSession(path, module_name=path.stem, limits=Limits(), isolation="strict", zygotes=pool,
                           deny=(REPO,)) as session:
        assert session.load().ok
        found = session.call("who", str(REPO / "reference"))
        assert found.ok, found.error
        return found.value


def the_sessions_view(path: Path) -> tuple[str, object]:
    """The view a session of ``path`` asks for, as a first run leaves it in the cache."""
    command = headstart.command_key(["look", str(path)])
    recording = headstart.HeadStartPool(command, None, None)
    try:
        graded_with(recording, path)
    finally:
        recording.close()
    assert recording.used is False, "with nothing cached, the child starts the ordinary way"
    key = headstart.remembered(command)
    assert key is not None, "the first run did not leave its view in the cache"
    return command, key


@needs_zygotes
def test_the_early_child_is_forked_from_the_head_start_and_is_isolated(tmp_path: Path) -> None:
    path = looking_file(tmp_path)
    command, key = the_sessions_view(path)
    pool = headstart.HeadStartPool(command, key, AVAILABLE)  # type: ignore[arg-type]
    try:
        seen = graded_with(pool, path)
    finally:
        pool.close()
    assert pool.used is True, "the session did not fork its child from the early zygote"
    ours = {name: os.readlink(f"/proc/self/ns/{name}") for name in ("net", "pid", "mnt")}
    assert all(seen[name] != ours[name] for name in ours), f"the early child shares a namespace: {seen}"
    assert seen["uid"] >= isolation.UID_BASE, f"the early child did not drop to its own uid: {seen['uid']}"
    assert not seen["course_visible"], "the early child can see the course folder"
    assert not seen["network"], "the early child reached the network"


@needs_zygotes
@pytest.mark.parametrize("change", [
    pytest.param(lambda key: dataclasses.replace(key, readable=key.readable + ("/etc",)), id="a-wider-file-view"),
    pytest.param(lambda key: dataclasses.replace(key, memory_bytes=key.memory_bytes * 4), id="a-higher-memory-cap"),
    pytest.param(lambda key: dataclasses.replace(key, data=(str(REFERENCE),)), id="a-reference-handed-over"),
])
def test_a_cached_view_the_session_would_not_choose_is_never_used(tmp_path: Path, change) -> None:
    path = looking_file(tmp_path)
    command, key = the_sessions_view(path)
    stale = change(key)
    headstart.remember(command, stale)  # as an old or edited cache would hold it
    assert headstart.remembered(command) == stale
    pool = headstart.HeadStartPool(command, headstart.remembered(command), AVAILABLE)  # type: ignore[arg-type]
    try:
        seen = graded_with(pool, path)
    finally:
        pool.close()
    assert pool.used is False, "the session forked its child from a zygote with another view than its own"
    assert not seen["course_visible"] and seen["uid"] >= isolation.UID_BASE
    assert headstart.remembered(command) == key, "the cache was not set right for the next run"


@pytest.mark.parametrize("text", ["", "not json", '{"schema_version": 1, "views": {"C": {"readable": 3}}}',
                                  '{"schema_version": 99, "views": {}}', '["a list"]'])
def test_an_unreadable_views_cache_is_no_guess(tmp_path: Path, text: str) -> None:
    target = Path(headstart._views_file())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    assert headstart.remembered("C") is None


def test_the_entry_point_starts_early_only_for_a_python_file_to_submit(tmp_path: Path) -> None:
    path = looking_file(tmp_path)
    assert headstart._submit_arguments([str(path), "--json", "out.json", "--isolation", "strict"]) == (str(path),
                                                                                                      "strict")
    assert headstart._submit_arguments(["--assignment", "x.py", str(path)]) == (str(path), "auto")
    for words in ([str(path), "--help"], [str(tmp_path / "missing.py")], ["--json", str(path)],
                  [str(path.with_suffix(".ipynb"))], [str(path), "--isolation=sloppy"]):
        assert headstart._submit_arguments(words) is None, words


@needs_zygotes
def test_grade_submit_forks_its_child_from_the_head_start_on_the_second_run(tmp_path: Path) -> None:
    submission = tmp_path / "homework2_affine_reference.py"
    submission.write_text(REFERENCE.read_text())
    command = [str(GRADE), "submit", str(submission), "--json", str(tmp_path / "result.json"), "--profile-timing"]
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "an ordinary start" in first.stderr
    assert "its child is forked from it" in second.stderr, second.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["isolation"] == "namespaces" and result["score"] == result["max_score"]


@pytest.mark.parametrize("level, root", [("uid", True), ("python-hook", False), ("namespaces", False)])
def test_no_early_zygote_where_zygotes_do_not_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str,
                                                    root: bool) -> None:
    from grader.sandbox.levels import Available

    path = looking_file(tmp_path)
    words = [str(path)]
    headstart.remember(headstart.command_key(words), headstart.forking.ViewKey((), (), (), (), 1, 1, (), 1))
    monkeypatch.setattr(isolation, "choose", lambda mode: Available(level, "as said", "/usr/bin/bwrap", root))
    headstart.begin(words)
    pool = headstart.take()
    assert pool is not None and pool._thread is None, "a zygote was started where children get no uid of their own"
    pool.close()
