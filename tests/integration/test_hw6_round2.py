"""hw6_mnist on files that follow the stub's API only in part, or hide a
regulariser (tests/data/submissions/hw6_round2/): the grader grades what the
student meant where one reading is possible, and says why it cannot where
there are two.

* own names for fCE, gradCE and train (``J_CE``, ``grad_J``, ``sgd``), fCE a
  7-tuple: graded under the stub's names, each said in a note;
* two functions that compute a loss (``J`` and ``cost``): fCE scores 0, naming both;
* fCE/gradCE only as methods of a class whose constructor needs arguments: 0, saying so;
* ``fCE(X, Y, W1, b1, W2, b2)``, blocks as separate arguments: passed the blocks of w;
* a regulariser in a module global (``ALPHA = 0.01``) or a default of any name
  (``weight=1e-3``): half the credit of the blocks it changes, the global or the
  default named;
* ``pack`` returning a dict of the blocks: not adapted (w is no vector the grader
  can build), a.1 scores 0 saying what the stub's pack returns.

Each row reads its items from the file's grade on the quick profile (the class
graded once, ``tests/graded_classes.py``).
"""

from __future__ import annotations

import pytest

from graded_classes import report_of

PART_A = ("a.1", "a.2", "a.3", "a.4", "a.5", "a.6", "a.7", "a.8", "a.9")
FULL = {"a.1": 5, "a.2": 10, "a.3": 8, "a.4": 5, "a.5": 8, "a.6": 5, "a.7": 4, "a.8": 6, "a.9": 9}
HALF_REGULARISED = {**FULL, "a.2": 5, "a.3": 4, "a.5": 4}
CLASS_REASON = "is a method of class NeuralNetwork, whose constructor needs arguments (num_hidden, learning_rate)"
TWO_LOSSES = ("fCE is not defined; J(X, Y, w) and cost(X, Y, w) both compute a loss: the stub asks for fCE(X, Y, w) "
              "-> float")

# name, {item: (points, status)}, {item: substring of its output}, substrings of the notes
CASES = [
    ("own_names", {item: (points, "passed") for item, points in FULL.items()}, {},
     ["your J_CE(X, Y, w) is the one function that computes a loss, so it was graded as fCE",
      "your grad_J(X, Y, w) is the one function that computes a gradient, so it was graded as gradCE",
      "your sgd(trainX, trainY, testX, testY, w, lr=..., batch_size=..., epochs=..., alpha=...) is the one function "
      "that trains the network, so it was graded as train", "fCE returns a tuple; the grader used its first item"]),
    ("two_losses", {"a.2": (0, "failed"), "a.3": (8, "passed"), "a.6": (5, "passed"), "a.7": (0, "failed")},
     {"a.2": TWO_LOSSES, "a.7": TWO_LOSSES}, []),
    ("class_methods", {"a.2": (0, "failed"), "a.3": (0, "failed"), "a.7": (0, "failed"), "a.8": (0, "failed")},
     {"a.2": "fCE is not defined at module level: fCE " + CLASS_REASON,
      "a.3": "gradCE is not defined at module level: gradCE " + CLASS_REASON,
      "a.8": "train is not defined at module level: train " + CLASS_REASON}, []),
    ("block_args", {item: (points, "passed") for item, points in FULL.items()}, {},
     ["fCE(X, Y, W1, b1, W2, b2) takes the weights as separate blocks (the stub takes the packed w): the grader "
      "passed W1, b1, W2, b2 unpacked from w", "gradCE returned the 4 gradient blocks"]),
    ("global_alpha", {item: (points, "passed" if points == FULL[item] else "partial")
                      for item, points in HALF_REGULARISED.items()},
     {"a.2": "fCE includes a regularisation term through a module global (fCE reads the module global ALPHA = 0.01; "
             "correct with ALPHA = 0)",
      "a.3": "dW1 includes a regularisation term 0.01 * W1 (L2) through a module global (gradCE reads the module "
             "global ALPHA = 0.01; correct with ALPHA = 0)"},
     ["gradCE reads the module global ALPHA = 0.01 as a regularisation strength: the grader also called it with "
      "ALPHA = 0", "fCE reads the module global ALPHA = 0.01"]),
    ("weight_default", {item: (points, "passed" if points == FULL[item] else "partial")
                        for item, points in HALF_REGULARISED.items()},
     {"a.2": "fCE includes a regularisation term by default (weight defaults to non-zero; correct with weight=0)",
      "a.5": "dW2 includes a regularisation term 0.001 * W2 (L2) by default (weight defaults to non-zero; correct "
             "with weight=0)"}, []),
    ("pack_dict", {"a.1": (0, "failed")},
     {"a.1": "pack returned a dict of the blocks, not one vector w: the stub's pack concatenates the flattened W1, "
             "b1, W2, b2 into one vector"}, []),
]


@pytest.mark.parametrize("name, verdicts, messages, notes", CASES, ids=[c[0] for c in CASES])
def test_a_file_that_follows_the_stub_in_part_is_graded_as_meant_and_explained(name, verdicts, messages, notes,
                                                                                quick_grades):
    report = report_of(quick_grades("hw6_mnist")[f"homework6_{name}__hw6_round2.py"], PART_A)
    assert not report.internal_errors, report.internal_errors
    tests = {test.number: test for test in report.tests}
    explain = [(t.number, t.status, t.score, t.output[:300]) for t in report.tests] + report.notes
    for item, (points, status) in verdicts.items():
        assert abs(tests[item].score - points) < 1e-6 and tests[item].status == status, (item, explain)
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)
    said = "\n".join(report.notes)
    for text in notes:
        assert text in said, (text, said)
