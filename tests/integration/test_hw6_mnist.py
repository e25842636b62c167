"""hw6_mnist graded end to end on the real MNIST, through the real sandbox.

Mutant and deviation files live in tests/data/submissions/hw6/. Most tests
grade only the items they are about, on the quick profile, to keep the suite
fast; the reference is graded in full once per profile.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from grader import assignments
from grader.grading import grade_submission

from course_files import REPO, SUBMISSIONS
from graded_classes import report_of

HW = assignments.get("hw6_mnist")
FILES = SUBMISSIONS / "hw6"
REFERENCE = REPO / "reference" / "hw6_mnist" / "solution.py"
STUB = REPO / "assignments" / "hw6_mnist" / "homework6.py"
PART_A = tuple(f"a.{i}" for i in range(1, 10))
PARTS_BC = ("b.1", "b.2", "b.3", "c.1", "c.2")


def grade(path: Path, data_dir: Path, **options):
    report = grade_submission(path, assignment=HW, data_dir=data_dir, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def by_id(report):
    return {test.number: test for test in report.tests}


def test_reference_scores_full_marks_on_the_quick_profile_in_under_a_minute(as_submission, mnist_data_dir):
    started = time.perf_counter()
    report = grade(as_submission(REFERENCE, "homework6_reference.py"), mnist_data_dir, profile="quick")
    seconds = time.perf_counter() - started
    assert report.score == report.max_score == 80, [(t.number, t.output) for t in report.tests if t.score < t.max_score]
    assert report.profile == "quick" and report.to_json()["profile"] == "quick"
    assert "stratified subset" in by_id(report)["a.8"].output or "10,000" in by_id(report)["b.3"].output
    assert seconds < 60


@pytest.mark.slow
def test_reference_scores_full_marks_on_the_official_profile(as_submission, mnist_data_dir):
    report = grade(as_submission(REFERENCE, "homework6_reference.py"), mnist_data_dir)
    tests = by_id(report)
    assert report.profile == "official"
    assert report.score == 80, [(t.number, t.output) for t in report.tests if t.score < t.max_score]
    assert "test CE 0.0" in tests["c.1"].output and "55,000" in tests["b.3"].output
    print(f"\nofficial reference: {tests['c.1'].output}; wall {report.execution_time:.1f} s")


def test_untouched_stub_scores_zero(as_submission, mnist_data_dir):
    report = grade(as_submission(STUB, "homework6_jsmith.py"), mnist_data_dir)
    assert report.score == 0
    assert "not implemented" in by_id(report)["a.3"].output


# -- part (a): one file per usual real mistake ----------------------------------------
# The gradient items (a.1-a.7) are tested on the in-process fake, without data
# (tests/unit/test_hw6_part_a.py); here, what those mistakes do to training.
TRAINING = [
    # file, (a.8, a.9) scores or ranges, {item: substring of its feedback}
    ("summed", (0, 0), {"a.8": "every hidden unit is dead", "a.9": "sums the weight gradients"}),
    ("global_softmax", (0, 0), {"a.8": "exploded"}),
    ("zero_init", (0, 0), {"a.8": "symmetry problem", "a.9": "symmetry problem"}),
    ("transposed_grad", (6, (3, 8)), {"a.9": "floor 85%"}),
    ("default_reg", (6, 9), {}),
]


@pytest.mark.parametrize("name, scores, messages", TRAINING, ids=[m[0] for m in TRAINING])
def test_each_usual_mistake_shows_in_training_and_is_named(name, scores, messages, quick_grades):
    report = report_of(quick_grades("hw6_mnist")[f"homework6_{name}__hw6.py"], ("a.8", "a.9"))
    tests = by_id(report)
    for item, expected in zip(("a.8", "a.9"), scores):
        low, high = expected if isinstance(expected, tuple) else (expected, expected)
        assert low <= tests[item].score <= high, (item, tests[item].output)
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)


# -- real-style files with deviations: adapted, graded, said --------------------------
DEVIATIONS = [
    # file, items, expected score range, substrings expected in the notes
    ("template_globals", PART_A + ("b.1", "b.2"), (72, 72),
     ["fCE returns a tuple", 'if __name__ == "__main__":', "line 31"]),
    ("rows_layout", PART_A + ("b.1", "b.2"), (71.4, 71.4),
     ["(784, H)", "examples as rows", "list of the weights it visited", "spelled findBestHyperParameters"]),
    ("mixed", PART_A, (60, 60), ["X as columns, Y as rows", "alpha=0.0"]),
    # its top-level loads of /home/jsmith/cs541/hw6/... find the handed-over training files; the test file is withheld
    ("script", PART_A, (60, 60), ["the grader does not hand over the test set (mnist_test_images.npy)",
                                  'if __name__ == "__main__":', "plotting"]),
]


@pytest.mark.parametrize("name, items, score_range, notes", DEVIATIONS, ids=[d[0] for d in DEVIATIONS])
def test_unambiguous_deviations_are_adapted_graded_and_explained(name, items, score_range, notes, quick_grades):
    report = report_of(quick_grades("hw6_mnist")[f"homework6_{name}__hw6.py"], items)
    assert not report.internal_errors, report.internal_errors
    low, high = score_range
    assert low - 1e-6 <= report.score <= high + 1e-6, [(t.number, t.score, t.output) for t in report.tests]
    text = "\n".join(report.notes)
    for expected in notes:
        assert expected in text, (expected, text)


def test_template_train_with_global_hyperparameters_is_trained_through_its_globals(mnist_data_dir):
    report = grade(FILES / "homework6_template_globals.py", mnist_data_dir, profile="quick", only=("a.8", "b.1"))
    tests = by_id(report)
    assert "LEARNING_RATE=0.1" in tests["a.8"].output and "BATCH_SIZE=64" in tests["a.8"].output
    assert "10 distinct setting(s)" in tests["b.1"].output


@pytest.mark.parametrize("name, message", [
    ("py2", "line 11: Python 2 syntax"),
    ("numpy1", "np.float no longer exists in numpy 2"),
])
def test_incompatible_files_are_explained_with_the_line(name, message, mnist_data_dir):
    report = grade(FILES / f"homework6_{name}.py", mnist_data_dir, profile="quick")
    assert report.score <= 5
    assert any(message in t.output for t in report.tests) or any(message in n for n in report.notes)


# -- part (b) and (c) -------------------------------------------------------------------
def test_a_search_with_fewer_than_ten_settings_gets_k_over_ten(mnist_data_dir):
    report = grade(FILES / "homework6_few_settings.py", mnist_data_dir, profile="quick", only=PARTS_BC)
    tests = by_id(report)
    assert tests["b.1"].score == pytest.approx(6 * 4 / 10)
    assert "4 distinct setting(s)" in tests["b.1"].output
    assert tests["b.2"].score == 6 and tests["b.3"].score == 3


def test_a_search_that_picks_a_worse_setting_loses_the_choice_points(mnist_data_dir):
    report = grade(FILES / "homework6_picks_worse.py", mnist_data_dir, profile="quick", only=PARTS_BC)
    tests = by_id(report)
    assert tests["b.1"].score == 6
    assert tests["b.2"].score == 0 and "did better on validation" in tests["b.2"].output
    assert "test CE" in tests["c.1"].output and tests["c.2"].score < 2.5


SNOOP = """

def train(trainX, trainY, valX, valY, hidden=NUM_HIDDEN, lr=0.1, batch=64, epochs=1, alpha=0.0):
    # Refuses to learn if it can see the test set anywhere.
    import os
    leaks = []
    for path in {test_files!r}:
        try:
            np.load(path)
            leaks.append(path)
        except PermissionError:
            pass
    leaks += [name for name in os.listdir(".") if "test" in name]
    test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]  # MNIST's test digits
    for labels in (trainY, valY):
        counts = np.asarray(labels).sum(axis=1 if labels.shape[0] == 10 else 0)
        if counts.astype(int).tolist() == test_counts:
            leaks.append("test labels")
    print("LEAKS", leaks)
    if leaks:
        return initWeights(hidden) * 0
    return _train(trainX, trainY, valX, valY, hidden, lr, batch, epochs, alpha)
"""


def test_the_test_set_never_reaches_student_code(tmp_path, mnist_data_dir):
    from grader import datasets

    ds = datasets.available("mnist", data_dir=mnist_data_dir)
    base = (FILES / "homework6_base.py").read_text().split("if __name__")[0].replace("def train(", "def _train(")
    path = tmp_path / "homework6_snoop.py"
    path.write_text(base + SNOOP.format(test_files=[str(ds.path("test", "images")), str(ds.path("test", "labels"))]))
    report = grade(path, mnist_data_dir, profile="quick", only=("a.8", "a.9", "b.1", "b.3"))
    tests = by_id(report)
    assert "LEAKS []" in report.stdout and "LEAKS [" + "'" not in report.stdout, report.stdout[-500:]
    assert tests["a.8"].score == 6 and tests["a.9"].score == 9, tests["a.8"].output
    assert tests["b.1"].score == 6 and tests["b.3"].score == 3


def test_when_the_budget_runs_out_mid_search_completed_trials_are_graded(tmp_path, mnist_data_dir):
    base = (FILES / "homework6_base.py").read_text()
    slow = base.replace("    w = initWeights(hidden)\n", "    import time\n    time.sleep(1.5)\n    w = initWeights(hidden)\n")
    path = tmp_path / "homework6_slow.py"
    path.write_text(slow)
    report = grade(path, mnist_data_dir, profile="quick", only=PARTS_BC, wall_seconds=9)
    tests = by_id(report)
    assert "time budget ran out" in tests["b.1"].output
    assert 0 < tests["b.1"].score < 6
    assert tests["b.2"].score == 0 and "cannot be judged" in tests["b.2"].output
    assert "best validation trial" in tests["c.1"].output
    assert any("time budget ran out during findBestHyperparameters" in note for note in report.notes)


def test_the_json_and_terminal_name_the_profile(as_submission, mnist_data_dir):
    report = grade(as_submission(STUB, "homework6_jsmith.py"), mnist_data_dir, profile="quick", only=("a.1",))
    data = json.loads(json.dumps(report.to_json()))
    assert data["profile"] == "quick" and data["assignment"] == "hw6_mnist"
    assert "stratified" in report.profile_description
