"""hw6_mnist on files written the way real students wrote them, over several
years of the course (tests/data/submissions/hw6_wild/): old templates, rows
and transposed layouts, tuple returns, misspelled or argument-less searches,
numpy-1 and Python-2 code, module-level scripts, slow loops, searches that
outrun the budget, and the usual gradient mistakes inside all that.

Each row reads the items it is about from the file's grade on the quick
profile (the class graded once, ``tests/graded_classes.py``) and checks the
score (exact, or a range where training noise moves it), the messages that
name the mistake and the notes that explain every adaptation.
"""

from __future__ import annotations

import pytest

from grader import assignments
from grader.grading import grade_submission

from course_files import SUBMISSIONS
from graded_classes import report_of

HW = assignments.get("hw6_mnist")
FILES = SUBMISSIONS / "hw6_wild"
GRADS = ("a.2", "a.3", "a.4", "a.5", "a.6", "a.7")
PART_A = ("a.1",) + GRADS + ("a.8", "a.9")
SEARCH = ("b.1", "b.2", "b.3")


def grade(name: str, data_dir, only, **options):
    report = grade_submission(FILES / f"homework6_{name}.py", assignment=HW, data_dir=data_dir, profile="quick",
                              only=only, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def by_id(report):
    return {test.number: test for test in report.tests}


def explain(report):
    return [(t.number, t.score, t.output) for t in report.tests] + list(report.notes)


# name, items, {item: score or (low, high)}, {item: substrings of its output}, substrings of the notes
CASES = [
    # 2019 template: rows, W1 (784, H), fCE 7-tuple, train(..., w, epsilon, batchSize, numEpochs, alpha),
    # hidden units given only through the size of w
    ("rows_template2019", GRADS + SEARCH, {"a.2": 10, "a.3": 8, "a.7": 4, "b.1": 6, "b.2": 6, "b.3": 3},
     {"b.1": "12 distinct setting(s)", "b.2": "hidden (size of w)="},
     ["(784, H)", "examples as rows", "fCE returns a tuple"]),
    ("py2", ("a.1", "a.2"), {"a.1": 0, "a.2": 0}, {"a.1": "Python 2 syntax"}, ["Python 2 syntax"]),
    ("numpy_removed", ("a.2", "a.3", "b.1", "b.3"), {"a.2": 0, "a.3": 0, "b.1": 0, "b.3": 0},
     {"a.2": "np.asscalar no longer exists in numpy 2", "a.3": "np.float no longer exists in numpy 2",
      "b.3": "none of the 1 train call(s)"}, []),  # matplotlib.use("TkAgg") no longer fails the import
    ("loops", GRADS, {"a.2": 10, "a.3": 8, "a.4": 5, "a.5": 8, "a.6": 5, "a.7": 4}, {}, []),
    ("ignores_hyperparams", ("b.1",), {"b.1": 0.6},
     {"b.1": "identical weights although their settings differ"}, []),
    ("tuple_choice", ("b.2",), {"b.2": 6}, {"b.2": "the best of 12 trials"},
     ["returned a tuple ((50, 0.5, 128, 1, 0.0001)), not a dict", "by the returned values"]),
    ("scipy_softmax", ("a.2", "a.3", "a.6"), {"a.2": 0, "a.3": 0, "a.6": 0},
     {"a.2": "normalised over the whole matrix", "a.6": "normalised over the whole matrix"}, []),
    ("summed_rows", PART_A, {"a.3": 4, "a.4": 5, "a.5": 4, "a.6": 5, "a.8": 0, "a.9": 0},
     {"a.3": "dW1 and dW2 are n times too large", "a.8": "64 times too large", "a.9": "every hidden unit is dead"},
     ["(784, H)", "examples as rows"]),
    ("relu_sign_snake", GRADS, {"a.3": 0, "a.4": 0, "a.5": 8, "a.6": 5, "a.7": 2},
     {"a.3": "relu' taken as the sign of z1", "a.4": "relu' taken as the sign of z1"},
     ["(784, H)", "examples as rows"]),
    ("grad_globals", GRADS + SEARCH, {"a.2": 10, "a.3": 4, "a.6": 2.5, "a.7": 2, "b.1": 6, "b.2": 6},
     {"a.3": "only right when fCE has just run", "a.7": "values fCE left in globals"}, []),
    ("losses_required_args", ("a.2", "a.8", "b.1", "b.2"), {"a.2": 10, "a.8": 6, "b.1": 6, "b.2": 6}, {},
     ["fCE returns a tuple", "train returned a tuple"]),
]


@pytest.mark.parametrize("name, items, scores, messages, notes", CASES, ids=[c[0] for c in CASES])
def test_wild_submission_is_graded_as_earned_and_explained(name, items, scores, messages, notes, quick_grades):
    report = report_of(quick_grades("hw6_mnist")[f"homework6_{name}__hw6_wild.py"], items)
    assert not report.internal_errors, report.internal_errors
    tests = by_id(report)
    assert set(tests) == set(items)
    for item, expected in scores.items():
        low, high = expected if isinstance(expected, tuple) else (expected, expected)
        assert low - 1e-6 <= tests[item].score <= high + 1e-6, (item, explain(report))
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)
    text = "\n".join(report.notes)
    for expected in notes:
        assert expected in text, (expected, text)


def test_a_default_regulariser_in_fce_and_gradce_is_named_and_half_credited(as_submission, mnist_data_dir):
    # The same file once the top-level script (sys.argv, data loading) is out of the way: an argument-less
    # findBestHyperParameters reading the data from module globals, train(trainX, trainY, testX, testY, w,
    # numEpochs, batchSize, epsilon, alpha) with all required arguments.
    source = (FILES / "homework6_positional_globals_search.py").read_text()
    source = source.replace("DATA = sys.argv[1]", 'DATA = "/home/akumar/cs541/hw6/"')
    source = "\n".join(line for line in source.splitlines() if not line.startswith("idxs = "))
    path = as_submission(source, "homework6_akumar.py")
    report = grade_submission(path, assignment=HW, data_dir=mnist_data_dir, profile="quick",
                              only=("a.2", "a.3", "a.4", "a.7", "b.1", "b.2", "b.3"))
    assert not report.internal_errors, report.internal_errors
    tests = by_id(report)
    assert tests["a.2"].score == 5 and "fCE includes a regularisation term by default" in tests["a.2"].output
    assert tests["a.3"].score == 4 and "correct with alpha=0" in tests["a.3"].output
    assert tests["a.4"].score == 5 and tests["a.7"].score == 4
    assert tests["b.1"].score == 6 and tests["b.2"].score == 6 and tests["b.3"].score == 3, explain(report)
    notes = "\n".join(report.notes)
    assert "takes no data arguments" in notes and "spelled findBestHyperParameters" in notes


def test_a_module_level_script_reading_sys_argv_still_gets_its_functions_graded(mnist_data_dir):
    report = grade("positional_globals_search", mnist_data_dir, ("a.1", "a.8"))
    tests = by_id(report)
    assert tests["a.1"].score == 5 and tests["a.8"].score == 6, explain(report)
    notes = "\n".join(report.notes)
    assert "raised IndexError" in notes and "if __name__" in notes, notes


def test_a_search_longer_than_the_budget_is_stopped_and_its_completed_trials_graded(mnist_data_dir):
    report = grade("budget_stress", mnist_data_dir, ("b.1", "b.2", "c.1"), wall_seconds=15)
    tests = by_id(report)
    assert report.execution_time < 40
    assert "time budget ran out during findBestHyperparameters" in tests["b.1"].output, explain(report)
    assert 0 < tests["b.1"].score < 6
    assert tests["b.2"].score == 0 and "cannot be judged" in tests["b.2"].output
    assert "best validation trial" in tests["c.1"].output and tests["c.1"].score > 0


def test_a_train_check_that_only_learns_the_class_frequencies_earns_almost_nothing(mnist_data_dir):
    # Official profile: summed weight gradients at lr 0.1, batch 64 kill every hidden unit in one epoch; the
    # training CE still creeps from 2.303 to 2.301 through the output biases. That is no 'lowered loss'.
    report = grade_submission(FILES / "homework6_summed_rows.py", assignment=HW, data_dir=mnist_data_dir,
                              profile="official", only=("a.3", "a.8"))
    assert not report.internal_errors, report.internal_errors
    tests = by_id(report)
    assert tests["a.8"].score < 0.6, explain(report)
    assert "every hidden unit is dead" in tests["a.8"].output
    assert "sums the weight gradients over the minibatch" in tests["a.8"].output
