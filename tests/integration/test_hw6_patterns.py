"""hw6 part (a) on the five shapes real files take that a grader calling the
stub's interface scores 0 although the gradient is right
(tests/data/submissions/hw6_wild/):

1. ``pack`` returns a 2-D array (matrix_pack, augmented_matrix, matrix_pack_rows);
2. the hidden size is not ``NUM_HIDDEN`` (hyper_neuron, literal_hidden);
3. ``gradCE`` takes forward-pass values (forward_values, forward_function, forward_rows);
4. ``gradCE`` reads globals ``fCE`` left behind (grad_cache, grad_globals);
5. regularisation under other names (l1_l2_required, alpha_beta_defaults, b_default).

Each is graded block by block with its adaptation said in a note; and the
same patterns around a wrong gradient (summed, relu' as sign, transposed)
still lose those points, with the mistake named.
"""

from __future__ import annotations

import pytest

from grader import assignments
from grader.grading import grade_submission

from course_files import SUBMISSIONS

HW = assignments.get("hw6_mnist")
FILES = SUBMISSIONS / "hw6_wild"
PART_A = ("a.1", "a.2", "a.3", "a.4", "a.5", "a.6", "a.7")
FULL = {"a.1": 5, "a.2": 10, "a.3": 8, "a.4": 5, "a.5": 8, "a.6": 5, "a.7": 4}


def grade(name: str, only=PART_A, **options):
    report = grade_submission(FILES / f"homework6_{name}.py", assignment=HW, profile="quick", only=only, **options)
    assert not report.internal_errors, report.internal_errors
    return report


def scores(report) -> dict[str, float]:
    return {test.number: test.score for test in report.tests}


def outputs(report) -> dict[str, str]:
    return {test.number: test.output for test in report.tests}


def explain(report):
    return [(t.number, t.score, t.output[:200]) for t in report.tests] + list(report.notes)


def noted(report, *pieces: str) -> None:
    for piece in pieces:
        assert any(piece in note for note in report.notes), (piece, explain(report))


# name, notes naming the adaptation
CORRECT = [
    # 1: w as a matrix, read back through the student's own unpack
    ("matrix_pack", ["one 796 x 40 array holding W1 (784, H), b1, W2 and b2 (30 entries unused)",
                     "read through your pack"]),
    ("augmented_matrix", ["one 50 x 785 array holding W1 (H, 784), b1, W2 and b2"]),
    ("matrix_pack_rows", ["one 40 x 796 array", "examples as rows"]),
    # 2: the hidden size from the file's own constants or a literal in unpack
    ("hyper_neuron", ["round-trip exactly with 50 hidden units (HYPER_NEURON = 50; the file has no NUM_HIDDEN)",
                      "set NUM_HIDDEN = 50"]),
    ("literal_hidden", ["round-trip exactly with 30 hidden units (the literal 30 in unpack"]),
    # 3: forward-pass values from the student's fCE tuple or forward function
    ("forward_values", ["fCE returns a tuple; the grader used its third item as the loss",
                        "gradCE(X, Y, z1, h1, yhat, w) takes forward-pass values",
                        "from your fCE's tuple: z1 (item 1), h1 (item 2), yhat (item 4)"]),
    ("forward_function", ["gradCE(X, Y, w, z1, h1, y_hat) takes forward-pass values",
                          "from your forward's tuple"]),
    ("forward_rows", ["fCE returns a tuple; the grader used its first item as the loss",
                      "yhat (item 2), h1 (item 3), z1 (item 4)", "examples as rows", "(784, H)"]),
    # 5: required regularisation coefficients get 0
    ("l1_l2_required", ["gradCE has required extra parameters (l1, l2); the grader passed l1=0.0, l2=0.0"]),
]


@pytest.mark.parametrize("name, notes", CORRECT, ids=[c[0] for c in CORRECT])
def test_a_correct_gradient_in_a_real_files_shape_earns_every_block(name, notes):
    report = grade(name)
    assert scores(report) == FULL, explain(report)
    noted(report, *notes)


@pytest.mark.parametrize("name", ["grad_cache", "grad_globals"])
def test_a_gradient_that_reads_fce_globals_is_graded_on_its_math_at_half_credit(name):
    report = grade(name)
    got, said = scores(report), outputs(report)
    assert got == {"a.1": 5, "a.2": 10, "a.3": 4, "a.4": 2.5, "a.5": 4, "a.6": 2.5, "a.7": 2}, explain(report)
    for item in ("a.3", "a.4", "a.5", "a.6"):
        assert "only right when fCE has just run on the same data" in said[item]
        assert "called right after fCE: d" in said[item] and "matches" in said[item]
    assert "values fCE left in globals" in said["a.7"] and "half credit" in said["a.7"]
    mistakes = {m for test in report.tests for m in test.mistakes}
    assert "state" in mistakes


@pytest.mark.parametrize("name, term", [("alpha_beta_defaults", "0.1 * W1 (L2) + 0.1 * sign(W1) (L1)"),
                                        ("b_default", "0.0001 * sign(W1) (L1)")])
def test_regularisation_on_by_default_is_named_and_takes_the_rubrics_partial_credit(name, term):
    report = grade(name)
    got, said = scores(report), outputs(report)
    assert (got["a.3"], got["a.4"], got["a.5"], got["a.6"]) == (4, 5, 4, 5), explain(report)
    assert term in said["a.3"]
    assert "L1/L2 regularisation on by default" in said["a.3"] and "L1/L2 regularisation on by default" in said["a.5"]
    assert "correct with " in said["a.3"]
    assert "default-regularised" in {m for test in report.tests for m in test.mistakes}


# A wrong gradient inside one of the patterns: the adaptation lets it be read,
# it still loses what the mistake costs, and the mistake is named.
WRONG = [
    ("matrix_pack_summed", {"a.3": 4, "a.4": 5, "a.5": 4, "a.6": 5}, {"a.3": "n times too large"}, "summed"),
    ("forward_values_relu_sign", {"a.3": 0, "a.4": 0, "a.5": 8, "a.6": 5},
     {"a.3": "relu' taken as the sign of z1", "a.4": "relu' taken as the sign of z1"}, "relu-sign"),
    ("hyper_neuron_transposed", {"a.3": 8, "a.4": 5, "a.5": 4, "a.6": 5},
     {"a.5": "dW2 is packed transposed: gradCE stores it as (50, 10)"}, "transposed"),
    ("grad_cache_summed", {"a.3": 2, "a.4": 2.5, "a.5": 2, "a.6": 2.5},
     {"a.3": "dW1 is n times too large", "a.4": "only right when fCE has just run"}, "summed"),
    ("b_default_summed", {"a.3": 2, "a.4": 5, "a.5": 2, "a.6": 5},
     {"a.3": "n times too large", "a.5": "regularisation term is on by default (b defaults to non-zero"}, "summed"),
]


@pytest.mark.parametrize("name, blocks, messages, mistake", WRONG, ids=[c[0] for c in WRONG])
def test_an_adaptation_never_turns_a_wrong_gradient_into_full_marks(name, blocks, messages, mistake):
    report = grade(name)
    got, said = scores(report), outputs(report)
    assert {item: got[item] for item in blocks} == blocks, explain(report)
    assert sum(got.values()) < sum(FULL.values())
    assert got["a.7"] < FULL["a.7"], "the finite-difference check sees the wrong block too"
    for item, piece in messages.items():
        assert piece in said[item], (item, said[item])
    assert mistake in {m for test in report.tests for m in test.mistakes}


@pytest.mark.parametrize("name", ["grad_cache", "forward_values", "hyper_neuron"])
def test_the_adapted_verdicts_do_not_depend_on_which_items_ran(name):
    alone = {item: scores(grade(name, only=(item,)))[item] for item in ("a.3", "a.7")}
    together = scores(grade(name))
    assert alone == {item: together[item] for item in alone}


@pytest.mark.slow
@pytest.mark.parametrize("name", ["matrix_pack", "hyper_neuron"])
def test_train_is_graded_with_the_students_own_w_shape_and_hidden_size(name, mnist_data_dir):
    report = grade(name, only=("a.8",), data_dir=mnist_data_dir)
    test = report.tests[0]
    assert test.score == test.max_score, explain(report)
