"""The session contract, on the real child and on the in-process fake alike:
every call starts from the module as imported (plus what the grader set),
globals for one call, calls made first in the same request, spied calls,
hang memory, restarts that keep what was set, and harness failures reported
as the grader's own errors."""

from __future__ import annotations

import pytest

from grader.errors import HarnessError
from grader.sandbox import Limits, NpyFile, SubprocessSession
from grader.sandbox.fake import InProcessSession
from grader.sandbox.session import Call

SOURCE = '''
import os
import numpy as np

NUM_HIDDEN = 40
counter = [0]


def rebind(value):
    global NUM_HIDDEN, leftover
    NUM_HIDDEN = value
    leftover = value
    return NUM_HIDDEN


def read():
    return NUM_HIDDEN, globals().get("leftover")


def remember(x):
    global last
    last = np.asarray(x) * 2


def recall():
    return last


def train(data, lr=0.1, epochs=1):
    return float(np.asarray(data).sum() * lr)


def search(data):
    return [train(data, lr=lr) for lr in (0.1, 0.5)]


def die():
    os._exit(3)


def spin():
    while True:
        pass
'''

SESSIONS = {"child": SubprocessSession, "fake": InProcessSession}


@pytest.fixture(params=sorted(SESSIONS))
def session(request, tmp_path):
    path = tmp_path / "homework_probe.py"
    path.write_text(SOURCE)
    with SESSIONS[request.param](path, module_name="homework_probe",
                                 limits=Limits(call_seconds=2, wall_seconds=60)) as opened:
        assert opened.load().ok
        yield opened


def test_a_global_rebound_by_one_call_is_not_seen_by_the_next(session):
    assert session.call("rebind", 7).value == 7
    assert session.call("read").value == (40, None)
    assert session.get("NUM_HIDDEN") == {"NUM_HIDDEN": 40}


def test_globals_given_with_a_call_hold_for_that_call_only(session):
    assert session.call("read", with_globals={"NUM_HIDDEN": 12}).value == (12, None)
    assert session.call("read").value == (40, None)


def test_set_values_hold_for_every_later_call(session):
    session.set(NUM_HIDDEN=50)
    assert session.call("read").value == (50, None)
    assert session.call("read").value == (50, None)


def test_calls_made_first_share_the_request(session):
    alone = session.call("recall")
    assert not alone.ok and alone.error.exc_type == "NameError"
    after = session.call("recall", before=[Call("remember", ([1.0, 2.0],))])
    assert after.ok and after.before == (None,) and after.value.tolist() == [2.0, 4.0]
    failing = session.call("recall", before=[Call("nowhere")])
    assert failing.before[0] is not None and failing.before[0].kind == "missing"


def test_spied_calls_report_their_arguments_and_results(session):
    result = session.call("search", [1.0, 2.0, 3.0], spy=("train",))
    calls = [e for e in result.events if e.event == "spy_call"]
    returns = [e for e in result.events if e.event == "spy_return"]
    assert [c.value["kwargs"] for c in calls] == [{"lr": 0.1}, {"lr": 0.5}]
    assert [c.value["args"] for c in calls] == [[[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]]]
    assert calls[0].value["globals"]["NUM_HIDDEN"] == 40
    assert [r.value for r in returns] == pytest.approx([0.6, 3.0])


def test_signatures_are_described_the_same_way(session):
    train = session.load().functions["train"]
    assert [(p.name, p.has_default, p.default) for p in train] == [("data", False, None), ("lr", True, 0.1),
                                                                     ("epochs", True, 1)]


def test_a_child_that_dies_is_restarted_with_what_was_set(tmp_path):
    path = tmp_path / "homework_probe.py"
    path.write_text(SOURCE)
    with SubprocessSession(path, module_name="homework_probe", limits=Limits(call_seconds=2)) as session:
        assert session.load().ok
        session.set(NUM_HIDDEN=64)
        died = session.call("die")
        assert not died.ok and died.error.kind == "exit"
        assert session.call("read").value == (64, None)
        assert session.restarts == 1


def test_a_function_that_hung_is_not_called_again(tmp_path):
    path = tmp_path / "homework_probe.py"
    path.write_text(SOURCE)
    with SubprocessSession(path, module_name="homework_probe", limits=Limits(call_seconds=1)) as session:
        assert session.load().ok
        first = session.call("spin")
        assert first.error.kind == "timeout" and "not called again" in first.error.message
        assert session.call("spin") is first
        assert session.call("read").ok


def test_a_failure_of_the_harness_itself_is_the_graders_error(tmp_path):
    path = tmp_path / "homework_probe.py"
    path.write_text(SOURCE)
    with SubprocessSession(path, module_name="homework_probe", limits=Limits(call_seconds=2)) as session:
        assert session.load().ok
        # A check handing over a data file that is not there: the child fails before any student code.
        with pytest.raises(HarnessError, match="a grader bug, not the submission's"):
            session.call("train", NpyFile(str(tmp_path / "missing.npy")))
        assert session.call("read").value == (40, None)  # the child lives on


def test_what_the_last_call_printed_is_kept_when_the_child_is_closed_at_once(tmp_path):
    path = tmp_path / "homework_loud.py"
    path.write_text("print('at import')\n\ndef shout(n):\n    print('called', n)\n    return n\n")
    for attempt in range(5):
        with SubprocessSession(path, module_name="homework_loud", limits=Limits()) as session:
            assert session.load().ok and session.call("shout", attempt).ok
        assert session.stdout == f"at import\ncalled {attempt}\n"
