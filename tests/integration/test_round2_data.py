"""Files that load the course's data themselves, from wherever the student
kept it, or download it, and searches in the signatures real files give
findBestHyperparameters (tests/data/submissions/hw6_round2d/ and
hw2_softmax_round2/). Each row reads its items from the file's grade on the
quick profile (the class graded once, ``tests/graded_classes.py``): the
verdicts, the messages and the notes that say how the grader adapted.

The child-side mapping itself (``grader.sandbox.patches.CourseData``) is
checked on hostile paths: it only ever names a handed-over file, and never
the test split.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graded_classes import report_of
from grader.sandbox.patches import CourseData
from grader.sandbox.patches import TestSetWithheld as Withheld

SEARCH = ("b.1", "b.2", "b.3")
TRAINED = "called train"
COURSE_DATA = "loads the course's data by file name"

# file, {item: score}, {item: substrings of its output}, substrings of the notes
HW6 = [
    # () with its own loading helper, from a data/ subfolder
    ("subfolder_noargs", {"b.1": 1.8, "b.2": 6, "b.3": 3}, {"b.1": TRAINED},
     [COURSE_DATA, "'data/mnist_train_images.npy' as 'mnist_train_images.npy'", "test files are never handed over"]),
    # (trainX, trainY): the validation split read from the student's Downloads folder
    ("mac_train_only", {"b.1": 2.4, "b.2": 6, "b.3": 3}, {},
     [COURSE_DATA, "'/Users/jsmith/Downloads/mnist_validation_images.npy' as 'mnist_validation_images.npy'"]),
    # (X_tr, y_tr, X_va, y_va, hidden_list=..., lr_list=...), module-level loads from C:\Users\...
    ("windows_lists", {"b.1": 2.4, "b.2": 6, "b.3": 3}, {}, []),
    # (data) a tuple; module-level loads of small_mnist_* files
    ("small_mnist_bundle", {"b.1": 1.8, "b.2": 6, "b.3": 3}, {},
     ["findBestHyperparameters(data) takes all the data in one parameter: the grader passed the tuple "
      "(trainX, trainY, valX, valY)"]),
    # (dataset) a dict, keys read off the file's own text
    ("dict_bundle", {"b.1": 1.2, "b.2": 6, "b.3": 3}, {},
     ["a dict with the keys 'train_images', 'train_labels', 'val_images', 'val_labels'"]),
    # (trainX, trainY, testX, testY): the template's order, the validation data in testX/testY
    ("template_order", {"b.1": 2.4, "b.2": 6, "b.3": 3}, {}, []),
    ("keyword_only", {"b.1": 1.8, "b.2": 6, "b.3": 3}, {}, []),
    ("kwargs", {"b.1": 1.2, "b.2": 6, "b.3": 3}, {},
     ["findBestHyperparameters(**kwargs) takes the data by keyword: the grader passed trainX, trainY, valX, valY"]),
    # downloads: skipped when the file is there (os.path.exists), refused with the way to load it otherwise
    ("urllib_exists", {"b.1": 1.2, "b.2": 6, "b.3": 3}, {}, [COURSE_DATA, "'mnist_validation_labels.npy'"]),
    ("requests_download", {"b.1": 0, "b.2": 0, "b.3": 0},
     {"b.1": "tried to download data (ConnectionError: the grader does not allow network access"},
     []),
    ("keras_data", {"b.1": 0, "b.2": 0, "b.3": 0}, {"b.1": "name 'mnist' is not defined"},
     ["imports the module 'keras', which is not available for grading; its datasets would be downloaded, and "
      "grading runs without network access"]),
    # the test split is never handed over, whatever the search does with it
    ("reads_test", {"b.1": 0, "b.2": 0, "b.3": 0},
     {"b.1": "the grader does not hand over the test set (mnist_test_images.npy)"}, []),
]


def _check(report, scores, messages, notes):
    assert not report.internal_errors, report.internal_errors
    tests = {t.number: t for t in report.tests}
    shown = [(t.number, t.score, t.output) for t in report.tests] + list(report.notes)
    for item, expected in scores.items():
        assert tests[item].score == pytest.approx(expected, abs=1e-3), (item, shown)
    for item, text in messages.items():
        assert text in tests[item].output, (item, tests[item].output)
    joined = "\n".join(report.notes)
    for text in notes:
        assert text in joined, (text, joined)
    return tests, joined


@pytest.mark.parametrize("name, scores, messages, notes", HW6, ids=[case[0] for case in HW6])
def test_a_search_in_any_signature_reading_data_from_anywhere_is_graded(name, scores, messages, notes,
                                                                         quick_grades):
    report = report_of(quick_grades("hw6_mnist")[f"homework6_{name}__hw6_round2d.py"], SEARCH + ("c.1",))
    tests, joined = _check(report, scores, messages, notes)
    assert "could not be imported" not in joined and "Importing your file failed" not in joined or \
        name == "keras_data", joined
    if scores["b.2"]:  # the search's own choice goes to the test set
        assert "the chosen trial" in tests["c.1"].output, tests["c.1"].output


def test_a_download_s_note_says_how_to_load_the_handed_over_data(quick_grades):
    report = report_of(quick_grades("hw6_mnist")["homework6_requests_download__hw6_round2d.py"], ("b.1",))
    output = report.tests[0].output
    assert "grading runs without network access" in output
    assert 'the grader hands over the course\'s data instead: np.load("mnist_train_images.npy")' in output


SOFTMAX = [
    # () loading /Users/.../fashion_mnist_train_*.npy, scaling and splitting it itself
    ("loads_own", {"2.7": 4 * 4 / 9},
     [COURSE_DATA, "'/Users/jsmith/Downloads/hw2/fashion_mnist_train_images.npy' as 'fashion_mnist_train_images.npy'"]),
    # (train_images, train_labels): its own validation split of the grader's training data
    ("train_only", {"2.7": 4 * 4 / 9}, []),
]


@pytest.mark.parametrize("name, scores, notes", SOFTMAX, ids=[case[0] for case in SOFTMAX])
def test_a_softmax_search_loading_the_course_files_itself_is_graded(name, scores, notes, quick_grades):
    report = report_of(quick_grades("hw2_softmax")[f"homework2_softmax_{name}__hw2_softmax_round2.py"],
                       ("2.7", "2.8"))
    tests, _ = _check(report, scores, {"2.7": "called train_softmax_classifier 4 time(s)"}, notes)
    assert "the chosen trial" in tests["2.8"].output and tests["2.8"].score > 0, tests["2.8"].output


# -- the child-side mapping on hostile paths ------------------------------------------------------
@pytest.fixture
def handed(tmp_path: Path) -> tuple[CourseData, dict[str, str]]:
    files = {}
    for name in ("mnist_train_images.npy", "mnist_train_labels.npy", "mnist_validation_labels.npy",
                 "train-stratified.images.npy"):
        path = tmp_path / "cache" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"")
        files[name] = str(path)
    return CourseData(list(files.values())), files


@pytest.mark.parametrize("asked", [
    "mnist_train_images.npy", "data/mnist_train_images.npy", "/Users/jsmith/Downloads/mnist_train_images.npy",
    "C:\\Users\\jsmith\\hw6\\MNIST_train_images.npy", "small_mnist_train_images.npy",
    "../../../reference/hw6_mnist/mnist_train_images.npy", "/proc/1/root/mnist_train_images.npy",
    b"/etc/mnist_train_images.npy", Path("/root/mnist_train_images.npy"),
])
def test_a_course_file_name_anywhere_reads_the_handed_over_file(asked, handed):
    mapping, files = handed
    assert mapping.target(asked, "rb") == files["mnist_train_images.npy"]


@pytest.mark.parametrize("asked, mode", [
    ("/etc/passwd", "r"), ("../reference/hw6_mnist/solution.py", "rb"), ("mnist_train_images.npy", "wb"),
    ("mnist_train_images.npy", "r+b"), ("train-stratified.images.npy", "rb"), ("fashion_mnist_train_images.npy", "rb"),
    ("mnist_train_images.npy.evil", "rb"), (3, "rb"),
])
def test_anything_else_is_opened_as_asked_so_the_guard_decides(asked, mode, handed):
    mapping, _ = handed
    assert mapping.target(asked, mode) is asked


@pytest.mark.parametrize("asked", ["mnist_test_images.npy", "/Users/x/small_mnist_test_images.npy",
                                   "data\\mnist_test_labels.npy"])
def test_the_test_split_is_never_handed_over(asked, handed):
    mapping, _ = handed
    with pytest.raises(Withheld, match="does not hand over the test set"):
        mapping.target(asked, "rb")


def test_a_file_of_that_name_the_student_made_is_its_own(tmp_path, handed):
    mapping, _ = handed
    own = tmp_path / "mnist_train_images.npy"
    own.write_bytes(b"")
    assert mapping.target(str(own), "rb") == str(own)
