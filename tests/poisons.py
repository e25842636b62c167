"""Poisons: the reference solution of hw2_affine with one hostile or broken
addition each, and what each must cost. Shared by the hostile-submission
tests (one file at a time) and the batch tests (a whole class)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from course_files import REPO
from grader import assignments

HW = assignments.get("hw2_affine")
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
    heavy: bool = False
    """Imports a lot at the top (scipy, sklearn...): graded under the course's
    own limits, not the 2 s ones that stop hanging files sooner."""


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
        "LogisticRegression().fit(np.random.rand(20, 3), np.arange(20) % 2)\n", set(), "", status="passed",
        heavy=True),
    "floods_stdout": Poison("\nfor _ in range(200_000):\n    print('x' * 100)\n", set(), "", status="passed"),
    "returns_nan": Poison("\ndef ComputeGradients(L, x, z):\n    import numpy as np\n"
                          "    return [(W * np.nan, b * np.nan) for W, b in L]\n", PART8, "NaN",
                          status="failed"),
}


def shorten_calls(course: Path, seconds: int) -> None:
    """Give hw2_affine in a course copy shorter call and import limits than
    its own 10 s: hanging submissions are stopped the same way, sooner."""
    manifest = course / "assignments" / "hw2_affine" / "assignment.toml"
    text = manifest.read_text()
    for key in ("call_seconds", "import_seconds"):
        assert f"{key} = 10" in text, key
        text = text.replace(f"{key} = 10", f"{key} = {seconds}")
    manifest.write_text(text)
