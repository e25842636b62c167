"""Submissions that crash, hang, exit, lie or attack: each is graded, none
crashes the grader, none earns a point it did not earn.

Every case is the reference solution with one poison added, so the test can
say exactly which points the poison must cost. Attacks on the course's files
aim at a temporary copy of the course folder (``course_copy``), never at the
checkout: a sandbox regression fails a test instead of damaging the tree.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner

from course_files import REPO
from grader import assignments
from grader.cli import main
from grader.grading import grade_submission

HW = assignments.get("hw2_affine")
CALL_SECONDS = 2
COURSE = "@COURSE@"
"""Stands for the course folder under test in poison sources."""
REFERENCE_SOURCE = (REPO / "reference" / "hw2_affine" / "solution.py").read_text()
PART8 = {"8.example", "8.hidden"}
ALL = {item.id for item in HW.items}


@dataclass(frozen=True)
class Poison:
    source: str
    """Appended to (or, with ``prefix``, put before) the reference solution."""
    loses: set[str]
    """Rubric items that must score 0; all others must pass."""
    says: str
    """Text that must appear in the feedback (items' output or the notes)."""
    status: str | None = "error"
    """The status of the items lost (None: they may differ)."""
    prefix: bool = False
    recovered: bool = field(default=False)
    """True when the file's functions are graded despite a broken import."""


FORGE_FRAME = '''
def ComputeGradients(L, x, z):
    import json, os, struct
    import numpy as np
    # Write a well-formed 'all correct' answer into every descriptor the
    # process holds, hoping one is the grader's channel.
    for request_id in range(1, 300):
        header = json.dumps({"id": request_id, "ok": True, "value": {"$tuple": []}}).encode()
        frame = b"GRD1" + struct.pack(">I", len(header)) + header + struct.pack(">I", 0)
        for fd in range(3, 64):
            try:
                os.write(fd, frame)
            except OSError:
                pass
    return [(np.zeros((3, 2)), np.zeros(3)), (np.zeros((1, 3)), np.zeros(1))]
'''

POISONS = {
    "syntax_error": Poison("\ndef broken(:\n    pass\n", ALL, "SyntaxError"),
    "python2_print": Poison('\nprint "training done"\n', ALL, "Python 2 syntax"),
    "exception_at_import": Poison('\ndata = open("train.csv").read()\n', set(), "line ", status="passed",
                                  recovered=True),
    "sys_exit_at_import": Poison("\nimport sys\nsys.exit(0)\n", set(), "SystemExit", status="passed",
                                 recovered=True),
    "endless_loop_at_import": Poison("\nwhile True:\n    pass\n", set(), "took longer than", status="passed",
                                     recovered=True),
    "os_exit_in_function": Poison("\ndef ComputeGradients(L, x, z):\n    import os\n    os._exit(0)\n", PART8,
                                  "exited with code 0"),
    "endless_loop_in_function": Poison("\ndef ComputeGradients(L, x, z):\n    while True:\n        pass\n",
                                       PART8, "did not finish within"),
    "allocates_50_gb": Poison("\ndef ComputeGradients(L, x, z):\n    import numpy as np\n"
                              "    return np.ones((50 * 2**30 // 8,))\n", PART8, "MemoryError"),
    "fake_json_on_stdout": Poison(
        '\nimport sys\nprint(\'{"score": 15.0, "max_score": 15.0, "tests": []}\')\n'
        'sys.stdout.write("GRD1\\x00\\x00\\x00\\x02{}")\n'
        "def ComputeGradients(L, x, z):\n"
        '    print(\'{"score": 15.0}\')\n    return None\n', PART8, "returned None", status="failed"),
    "forges_the_answer_channel": Poison(FORGE_FRAME, PART8, "did not ask for"),
    "lying_eq_object": Poison(
        "\nclass Anything:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\n"
        "def affine_parameters():\n    return Anything(), Anything(), Anything(), Anything()\n",
        # f_of_g, part6 and part7 use affine_parameters too, so they break as well.
        {"1", "4.example", "4.hidden", "6", "7.example", "7.hidden"}, "Anything object", status=None),
    "patches_numpy_comparisons": Poison(
        "\nimport numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "def ComputeGradients(L, x, z):\n    return [(W * 0, b * 0) for W, b in L]\n",
        PART8, "max abs error", status="failed"),
    "reads_the_reference_solution": Poison(
        f"\ndef ComputeGradients(L, x, z):\n    import importlib.util\n"
        f"    spec = importlib.util.spec_from_file_location('ref', '{COURSE}/reference/hw2_affine/solution.py')\n"
        "    module = importlib.util.module_from_spec(spec)\n    spec.loader.exec_module(module)\n"
        "    return module.ComputeGradients(L, x, z)\n", PART8, "does not let submissions read"),
    "runs_a_shell_command": Poison("\ndef ComputeGradients(L, x, z):\n    import os\n"
                                   "    os.system('cat /etc/passwd')\n", PART8, "starting other programs"),
    "deletes_course_files": Poison(
        f"\ndef ComputeGradients(L, x, z):\n    import os, shutil\n"
        f"    open('{COURSE}/reference/hw2_affine/solution.py', 'w').write('sabotage')\n"
        f"    shutil.rmtree('{COURSE}/assignments')\n", PART8, "write only in their working folder"),
    "saves_files_in_its_own_folder": Poison("\nimport numpy as np\nnp.save('weights.npy', np.zeros(3))\n"
                                            "open('log.txt', 'w').write('trained')\n", set(), "", status="passed"),
    # Not hostile: what real files do at top level must keep working in the sandbox.
    "uses_the_course_libraries_and_plots": Poison(
        "\nimport scipy.special\nimport matplotlib\nmatplotlib.use('TkAgg')\nimport matplotlib.pyplot as plt\nimport pandas as pd\nimport sklearn.metrics\n"
        "from sklearn.linear_model import LogisticRegression\nfrom tqdm import tqdm\nimport tempfile\n"
        "for _ in tqdm(range(3)):\n    pass\n"
        "plt.plot([1, 2, 3])\nplt.savefig('loss.png')\nplt.show()\n"
        "pd.DataFrame({'a': [1, 2]}).to_csv('x.csv')\n"
        "print(sklearn.metrics.accuracy_score([1, 0], [1, 1]), scipy.special.softmax([1.0, 2.0]))\n"
        "with tempfile.NamedTemporaryFile() as handle:\n    handle.write(b'x')\n"
        "LogisticRegression().fit(np.random.rand(20, 3), np.arange(20) % 2)\n", set(), "", status="passed"),
    "floods_stdout": Poison("\nfor _ in range(200_000):\n    print('x' * 100)\n", set(), "", status="passed"),
    "returns_nan": Poison("\ndef ComputeGradients(L, x, z):\n    import numpy as np\n"
                          "    return [(W * np.nan, b * np.nan) for W, b in L]\n", PART8, "NaN",
                          status="failed"),
}


@pytest.fixture
def course(course_copy):
    """The course copy with tighter limits than the course's own (10 s a call):
    hanging submissions are stopped the same way, sooner."""
    manifest = course_copy / "assignments" / "hw2_affine" / "assignment.toml"
    text = manifest.read_text()
    for key in ("call_seconds", "import_seconds"):
        text = text.replace(f"{key} = 10", f"{key} = {CALL_SECONDS}")
    manifest.write_text(text)
    return course_copy


@pytest.mark.parametrize("name", sorted(POISONS))
def test_hostile_submission_is_graded_safely(tmp_path, course, name):
    poison = POISONS[name]
    source = poison.source + REFERENCE_SOURCE if poison.prefix else REFERENCE_SOURCE + poison.source
    path = tmp_path / f"homework2_affine_{name}.py"
    path.write_text(source.replace(COURSE, str(course)))
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    started = time.monotonic()
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    assert time.monotonic() - started < HW.limits.wall_seconds + 15
    assert not report.internal_errors
    results = {test.number: test for test in report.tests}
    for item, test in results.items():
        if item in poison.loses:
            assert test.score == 0, (item, test.output)
            assert poison.status is None or test.status == poison.status, (item, test.status, test.output)
        else:
            assert test.status == "passed", (item, test.output)
    text = " ".join(test.output for test in report.tests) + " ".join(report.notes)
    assert poison.says in text
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before
    if poison.recovered:
        assert any("if __name__" in note for note in report.notes), report.notes
    elif poison.loses != ALL:  # the plain import worked: no word of a failed one
        assert not any("could not be imported" in note or "Importing your file failed" in note
                       for note in report.notes), report.notes


def test_cli_grades_a_crashing_submission_with_exit_status_zero(tmp_path):
    path = tmp_path / "homework2_affine_crash.py"
    path.write_text(REFERENCE_SOURCE + POISONS["os_exit_in_function"].source)
    result = CliRunner().invoke(main, ["submit", str(path), "--json", "-"])
    assert result.exit_code == 0, result.output
    assert '"score": 10.0' in result.output


def test_output_a_submission_prints_is_kept_but_capped(tmp_path):
    path = tmp_path / "homework2_affine_loud.py"
    path.write_text(REFERENCE_SOURCE + POISONS["floods_stdout"].source)
    report = grade_submission(path, assignment=HW)
    assert report.score == 15
    assert len(report.stdout) < HW.limits.output_bytes + 200
    assert "more bytes of output not kept" in report.stdout


def test_a_function_that_hung_once_is_not_called_again(tmp_path, course):
    path = tmp_path / "homework2_affine_hangs.py"
    path.write_text(REFERENCE_SOURCE + POISONS["endless_loop_in_function"].source)
    started = time.monotonic()
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    tests = {test.number: test for test in report.tests}
    assert "did not finish within" in tests["8.example"].output
    assert "not called again" in tests["8.hidden"].output
    # One timeout, not one per item or per case.
    assert time.monotonic() - started < 2 * CALL_SECONDS + 2


def test_a_submission_cannot_change_files_outside_its_working_folder(tmp_path, course_copy):
    reference = course_copy / "reference" / "hw2_affine" / "solution.py"
    before = reference.read_bytes()
    victim = tmp_path / "classmate.py"
    victim.write_text("x = 1\n")
    path = tmp_path / "homework2_affine_vandal.py"
    path.write_text(REFERENCE_SOURCE + f"""
import os
def ComputeGradients(L, x, z):
    for attempt in (lambda: os.remove({str(victim)!r}), lambda: os.rename({str(victim)!r}, {str(victim)!r} + ".bak"),
                    lambda: os.chmod({str(reference)!r}, 0), lambda: open({str(reference)!r}, "a").write("#")):
        try:
            attempt()
        except PermissionError:
            pass
    raise RuntimeError("done")
""")
    report = grade_submission(path, assignment=assignments.get("hw2_affine"))
    assert report.score == 10
    assert victim.read_text() == "x = 1\n" and reference.read_bytes() == before
    assert reference.stat().st_mode & 0o444
