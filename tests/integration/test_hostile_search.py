"""Hostile searches: a findBestHyperparameters that floods the grader with
what it reports, that never stops calling train, or that fakes its trials.

Each submission is the hw6 reference with its search (and sometimes train)
replaced, written the way a student who wants the points would write it.
Each is graded through the real sandbox on the quick profile, in a separate
grader process where the test measures the grader itself (its peak memory,
its time), because these attacks aim at the grader, not at the sandbox.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from course_files import REPO

REFERENCE = (REPO / "reference" / "hw6_mnist" / "solution.py").read_text()
SEARCH_ITEMS = ("b.1", "b.2", "b.3")

pytestmark = pytest.mark.slow

_GRADE = textwrap.dedent("""
    import json, resource, sys, time
    from grader import assignments
    from grader.grading import grade_submission
    started = time.monotonic()
    report = grade_submission(sys.argv[1], assignment=assignments.get("hw6_mnist"), data_dir=sys.argv[2],
                              profile="quick")
    print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "seconds": time.monotonic() - started, "result": report.to_json()}))
""")


def grade_apart(path: Path, data_dir: Path, timeout: float) -> dict:
    """Grade ``path`` in a grader process of its own; its peak memory and time."""
    try:
        done = subprocess.run([sys.executable, "-c", _GRADE, str(path), str(data_dir)], capture_output=True,
                              text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the grader was still busy after {timeout:.0f} s: no result")
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    found["tests"] = {t["number"]: t for t in found["result"]["tests"]}
    return found


def with_search(search: str, extra: str = "") -> str:
    """The reference, its findBestHyperparameters replaced by ``search``."""
    head, _, _ = REFERENCE.partition("def findBestHyperparameters")
    return head + extra + textwrap.dedent(search)


@pytest.fixture(scope="module")
def honest_peak(mnist_data_dir, tmp_path_factory):
    """The reference's own grade, measured the same way."""
    path = tmp_path_factory.mktemp("honest") / "homework6_honest.py"
    path.write_text(REFERENCE)
    found = grade_apart(path, mnist_data_dir, timeout=300)
    assert found["result"]["score"] == found["result"]["max_score"]
    return found


def test_nested_lists_in_train_arguments_do_not_grow_the_grader(tmp_path, mnist_data_dir, honest_peak):
    """A config dict of millions of empty lists passed to every train call
    (the spy reports a call's arguments): the grader's memory stays near an
    honest grade's, and the search is still graded."""
    path = tmp_path / "homework6_mallory.py"
    path.write_text(with_search('''
        def findBestHyperparameters(trainX, trainY, valX, valY):
            junk = {"history": [[[] for _ in range(40)] for _ in range(100_000)]}  # 4 million lists, 12 MB as JSON
            best, best_ce = None, np.inf
            for setting in SEARCH:
                w = train(trainX, trainY, valX, valY, **setting, config=junk)
                ce = fCE(np.asarray(valX, dtype=np.float64), valY, w)
                if ce < best_ce:
                    best, best_ce = setting, ce
            for _ in range(10):   # and then more calls that train nothing
                train(trainX, trainY, valX, valY, hidden=30, epochs=0, config=junk)
            return dict(best)
    ''').replace("epochs=5, alpha=0.0, seed=0):", "epochs=5, alpha=0.0, seed=0, config=None):"))
    found = grade_apart(path, mnist_data_dir, timeout=300)
    assert found["peak_mb"] < honest_peak["peak_mb"] + 300, (found["peak_mb"], honest_peak["peak_mb"])
    assert found["tests"]["b.1"]["score"] == found["tests"]["b.1"]["max_score"], found["tests"]["b.1"]["output"]


def test_json_flooded_into_the_answer_channel_is_refused_within_the_budget(tmp_path, mnist_data_dir, honest_peak):
    """The same flood written straight into the grader's channel as forged
    call reports (7.5 MB headers of nested lists): refused by the byte budget
    before the grader holds it; the search scores nothing, nothing else is lost."""
    path = tmp_path / "homework6_mallory.py"
    path.write_text(with_search('''
        def findBestHyperparameters(trainX, trainY, valX, valY):
            import gc, json, os, struct, sys
            harness = next(o for o in gc.get_objects() if type(o).__name__ == "Harness")
            frame, request_id = sys._getframe(), None
            while frame is not None:
                request = frame.f_locals.get("request")
                if isinstance(request, dict) and isinstance(request.get("id"), int):
                    request_id = request["id"]
                frame = frame.f_back
            junk = "[" + ",".join(["[]"] * 2_500_000) + "]"
            for index in range(20):
                raw = ('{"event": "spy_call", "function": "train", "index": %d, "id": %d, "value": '
                       '{"$dict": {"args": [], "kwargs": {"$dict": {}}, "globals": {"$dict": {}}, "junk": %s}}}'
                       % (index, request_id, junk)).encode()
                os.write(harness.responses.fileno(), b"GRD1" + struct.pack(">I", len(raw)) + raw
                         + struct.pack(">I", 0))
            return {}
    '''))
    found = grade_apart(path, mnist_data_dir, timeout=300)
    assert found["peak_mb"] < honest_peak["peak_mb"] + 300, (found["peak_mb"], honest_peak["peak_mb"])
    tests = found["tests"]
    assert all(tests[item]["score"] == 0 for item in SEARCH_ITEMS), {i: tests[i]["output"] for i in SEARCH_ITEMS}
    assert "more than 64 MB of call reports" in tests["b.1"]["output"], tests["b.1"]["output"]
    assert all(tests[f"a.{i}"]["score"] == tests[f"a.{i}"]["max_score"] for i in range(1, 10))


def test_twenty_thousand_trials_end_at_the_cap_and_are_graded(tmp_path, mnist_data_dir):
    """20,000 train calls, each after changing some of 60 module globals: the
    grader stops the search at its cap, grades the trials so far and says
    why, and the whole grade ends well within the submission's budget."""
    globals_ = "".join(f"SETTING_{i} = {i}\n" for i in range(60))
    path = tmp_path / "homework6_mallory.py"
    path.write_text(with_search('''
        def findBestHyperparameters(trainX, trainY, valX, valY):
            best, best_ce = None, np.inf
            for i in range(20_000):
                for k in range(60):
                    globals()[f"SETTING_{k}"] = (i * (k + 1)) % 97
                setting = SEARCH[i] if i < len(SEARCH) else dict(hidden=1, lr=0.1, batch=64, epochs=0)
                w = train(trainX, trainY, valX, valY, **setting)
                ce = fCE(np.asarray(valX, dtype=np.float64), valY, w)
                if ce < best_ce:
                    best, best_ce = setting, ce
            return dict(best)
    ''', extra=globals_))
    started = time.monotonic()
    found = grade_apart(path, mnist_data_dir, timeout=240)
    assert time.monotonic() - started < 240
    b1 = found["tests"]["b.1"]
    assert "more than 500 times" in b1["output"] and "graded on at most 500 trials" in b1["output"], b1["output"][-600:]
    assert b1["score"] == b1["max_score"], b1["output"]  # ten real settings among the first 500 trials


FAKED_TRAIN = '''
import os


def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=5, alpha=0.0, seed=0):
    """Trains once; every later call returns those weights again (a little noise so they look new)."""
    if os.path.exists("trained_w.npy"):
        w = np.load("trained_w.npy")
        return w + np.random.default_rng().normal(0, 1e-7, w.shape)
    w = real_train(trainX, trainY, valX, valY, hidden=hidden, lr=lr, batch=batch, epochs=epochs, alpha=alpha)
    np.save("trained_w.npy", w)
    return w
'''

FAKED_SEARCH = '''
def findBestHyperparameters(trainX, trainY, valX, valY):
    best, best_ce = None, np.inf
    for lr in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9):
        setting = dict(hidden=50, lr=lr, batch=64, epochs=8)
        w = train(trainX, trainY, valX, valY, **setting)
        ce = fCE(np.asarray(valX, dtype=np.float64), valY, w)
        if ce < best_ce:
            best, best_ce = setting, ce
    return best
'''


def test_a_search_whose_trials_reuse_saved_weights_earns_no_search_points(tmp_path, mnist_data_dir):
    """train saves the weights it trained once and returns them (plus noise)
    on every later call, in about a millisecond: ten "trials" of well-trained
    weights. The chosen trial is trained again under the grader's eyes, in a
    fresh process and folder: its figures and time give it away, and the
    search items and the test items built on its choice score nothing."""
    source = with_search(FAKED_SEARCH).replace("def train(trainX", "def real_train(trainX") + FAKED_TRAIN
    path = tmp_path / "homework6_mallory.py"
    path.write_text(source)
    found = grade_apart(path, mnist_data_dir, timeout=300)
    tests = found["tests"]
    for item in (*SEARCH_ITEMS, "c.1", "c.2"):
        assert tests[item]["score"] == 0, (item, tests[item]["output"])
    said = tests["b.1"]["output"]
    assert "did not come from training in that call" in said and "checked by training it again" in said, said
    assert all(tests[f"a.{i}"]["score"] == tests[f"a.{i}"]["max_score"] for i in range(1, 10))


def test_an_honest_search_is_verified_and_keeps_its_points(honest_peak):
    """The reference's chosen trial, trained again, agrees with itself: full marks (and the replay said so)."""
    tests = honest_peak["tests"]
    assert all(tests[item]["score"] == tests[item]["max_score"] for item in (*SEARCH_ITEMS, "c.1", "c.2"))
