"""The Gradescope autograder bundle (``grade export gradescope``), run the way
Gradescope runs it: the zip unpacked into ``<root>/source``, the student's file
in ``<root>/submission``, ``<root>/submission_metadata.json`` beside them, and
``run_autograder`` started by bash in a process of its own with
``AUTOGRADER_ROOT=<root>``. Every ``results/results.json`` it leaves is
validated against Gradescope's documented format
(``tests/data/gradescope/results.schema.json``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from course_files import REPO, SUBMISSIONS
from handins import notebook, zip_bytes
from grader import assignments, toml
from grader.cli import main
from grader.sandbox import isolation
from grader.export.gradescope import export

HW = assignments.get("hw2_affine")
REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"
STUB = REPO / "assignments" / "hw2_affine" / "homework2_affine.py"
HIDDEN_ITEMS = {item.id for item in HW.items if item.visibility == "hidden"}
SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "data" / "gradescope" / "results.schema.json")
                    .read_text(encoding="utf-8"))
BUNDLE_TOP = {"setup.sh", "run_autograder", "requirements.txt", "gradescope.json", "grader-source", "course"}
SEED = "affine-7f3c1e9b"
"""hw2_affine's hidden seed (reference/hw2_affine/hidden.py)."""

# Gradescope's submission_metadata.json, shaped as its documentation shows
# (a group submission of two; ``sid`` is the student id Gradescope adds).
STUDENTS = [
    {"email": "jsmith@example.edu", "id": 1234, "name": "Jane Smith", "sid": "900123"},
    {"email": "tnguyen@example.edu", "id": 5678, "name": "Tam Nguyen", "sid": "900456"},
]
METADATA = {
    "id": 123456,
    "created_at": "2024-02-01T14:22:32.365935-07:00",
    "assignment": {"due_date": "2024-02-08T23:00:00.000000-07:00", "group_size": 2, "group_submission": True,
                   "id": 25828, "course_id": 1234, "late_due_date": None,
                   "release_date": "2024-01-25T00:00:00.000000-07:00", "title": "HW2 P4", "total_points": "15.0"},
    "submission_method": "upload",
    "users": STUDENTS,
    "previous_submissions": [],
}


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


# -- running a bundle as Gradescope does -------------------------------------------------------
@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(HW, tmp_path_factory.mktemp("bundle") / "autograder.zip")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HOME (and the user cache: the grader remembers there what isolation the
    machine offers) for the bundle's processes: nothing of the user's own."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Python with the grader's libraries (numpy, click, rich, ...) but no
    ``grader``: a venv whose only path entry is this venv's site-packages,
    added by a .pth line, so the editable install of the checkout (a .pth
    *file* in that folder) is not processed."""
    folder = tmp_path_factory.mktemp("bare-python")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", "import numpy, os; print(os.path.dirname(os.path.dirname("
                                                 "numpy.__file__)))"], capture_output=True, text=True,
                          check=True).stdout.strip()
    Path(purelib, "grader_dependencies.pth").write_text(ours + "\n")
    probe = subprocess.run([str(python), "-c", "import numpy, click, rich; import grader"], cwd=folder,
                           capture_output=True, text=True)
    assert "No module named 'grader'" in probe.stderr, probe.stderr
    return python


def unpack(bundle: Path, root: Path, *, submission: dict[str, Path | str | bytes] | None = None,
           metadata: object = METADATA) -> Path:
    """``root`` laid out as Gradescope lays out /autograder."""
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copyfile(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for name, content in (submission or {}).items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if metadata is not None:
        text = metadata if isinstance(metadata, str) else json.dumps(metadata)
        (root / "submission_metadata.json").write_text(text, encoding="utf-8")
    return root


def run_autograder(root: Path, home: Path, *, python: Path | str | None = sys.executable,
                   wrap: list[str] | None = None) -> tuple[subprocess.CompletedProcess[str], dict]:
    """Gradescope's step: ``run_autograder`` in a clean environment, working
    folder ``root``; returns the process and the validated results.json.
    ``python`` is ``GRADE_PYTHON`` (None: the bundle's own environment)."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "LANG": "C.UTF-8", "AUTOGRADER_ROOT": str(root), **({"GRADE_PYTHON": str(python)} if python else {})}
    done = subprocess.run([*(wrap or []), "bash", str(root / "run_autograder")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=180)
    target = root / "results" / "results.json"
    assert target.is_file(), f"no results.json (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    results = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(results, SCHEMA)
    for test in results["tests"]:
        assert 0 <= test["score"] <= test["max_score"], test
    return done, results


def by_number(results: dict) -> dict[str, dict]:
    return {test["number"]: test for test in results["tests"]}


def grade_submit_json(path: Path) -> dict:
    """What ``grade submit FILE --json -`` says, in a process of its own."""
    done = subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(path), "--json", "-"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "120"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- the bundle's contents ---------------------------------------------------------------------
def _tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


@pytest.mark.parametrize("assignment_id", ["hw2_affine", "hw6_mnist"])
def test_bundle_holds_the_scripts_the_grader_and_this_assignment_only(tmp_path, assignment_id):
    assignment = assignments.get(assignment_id)
    path = export(assignment, tmp_path / "autograder.zip")
    with zipfile.ZipFile(path) as archive:
        infos = {info.filename: info for info in archive.infolist()}
        files = {name: archive.read(name) for name in infos}
    assert not [name for name in files if name.startswith("/") or ".." in Path(name).parts]
    assert {name.split("/")[0] for name in files} == BUNDLE_TOP
    assert not [name for name in files if "__pycache__" in name or name.endswith(".pyc")]
    for script in ("setup.sh", "run_autograder"):  # Gradescope runs them as they are
        assert infos[script].external_attr >> 16 & 0o111 == 0o111, script
        assert files[script].startswith(b"#!/usr/bin/env bash\n")
        assert subprocess.run(["bash", "-n"], input=files[script], capture_output=True).returncode == 0

    def under(prefix: str) -> dict[str, bytes]:
        return {name[len(prefix):]: data for name, data in files.items() if name.startswith(prefix)}

    # The course: this assignment, its reference and its dataset manifests; byte for byte.
    course = under("course/")
    assert {name.split("/")[0] for name in course} == {"assignments", "reference", "course.toml",
                                                       *(["datasets"] if assignment.datasets else [])}
    assert under("course/assignments/") == {f"{assignment_id}/{k}": v for k, v in _tree(assignment.folder).items()}
    assert under("course/reference/") == {f"{assignment_id}/{k}": v
                                          for k, v in _tree(REPO / "reference" / assignment_id).items()}
    assert under("course/datasets/") == {f"{name}.toml": (REPO / "datasets" / f"{name}.toml").read_bytes()
                                         for name in assignment.datasets}
    # The grader: the package the bundle runs, whole, and its build file.
    assert under("grader-source/grader/") == _tree(REPO / "grader")
    assert files["grader-source/pyproject.toml"] == (REPO / "pyproject.toml").read_bytes()

    assert json.loads(files["gradescope.json"]) == {"assignment": assignment_id, "profile": "official",
                                                    "isolation": "strict", "hidden_visibility": "after_due_date"}
    setup = files["setup.sh"].decode()
    assert f"DATASETS=({' '.join(assignment.datasets)})" in setup
    # setup.sh fetches into the folder run_autograder grades from.
    assert '--data-dir "$ROOT/source/data"' in setup
    assert 'GRADER_DATA_DIR="$ROOT/source/data"' in files["run_autograder"].decode()


def test_requirements_name_every_library_the_grader_and_submissions_need(bundle):
    with zipfile.ZipFile(bundle) as archive:
        wanted = archive.read("requirements.txt").decode().split("\n")
    names = {line.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower() for line in wanted if line}
    project = toml.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = [*project["dependencies"], *project["optional-dependencies"]["student"]]
    # tomli only matters below Python 3.11; setup.sh installs grader-source (with its own dependencies) anyway.
    missing = {line.split(";")[0].split(">")[0].strip().lower() for line in needed} - names - {"tomli"}
    assert not missing


# -- grading through run_autograder ------------------------------------------------------------
def test_the_bundles_own_grader_runs_not_an_installed_one(bundle, tmp_path, home):
    root = unpack(bundle, tmp_path, submission={"homework2_affine_jsmith.py": REFERENCE})
    # A mark only the bundle's copy of the grader makes: this Python also has
    # the checkout's grader installed (editable), which must not be the one that runs.
    reporter = root / "source" / "grader-source" / "grader" / "reporters" / "gradescope.py"
    reporter.write_text(reporter.read_text() + (
        "\n\n_unmarked = results\n\n\ndef results(report, **options):\n"
        "    found = _unmarked(report, **options)\n    found['extra_data']['graded_by'] = __file__\n"
        "    return found\n"))
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["extra_data"]["graded_by"] == str(reporter)
    assert results["score"] == HW.points == 15


def test_bundle_needs_nothing_outside_itself(bundle, tmp_path, home, bare_python):
    """With a Python that has no grader at all, the bundle grades; and the
    course it grades with is the bundle's own (an item's points changed in
    the unpacked bundle show in the score)."""
    root = unpack(bundle, tmp_path, submission={"homework2_affine_jsmith.py": REFERENCE})
    manifest = root / "source" / "course" / "assignments" / "hw2_affine" / "assignment.toml"
    text = manifest.read_text()
    changed = text.replace('points = 4\ncheck = "part8_hidden"', 'points = 5\ncheck = "part8_hidden"')
    assert changed != text
    manifest.write_text(changed)
    done, results = run_autograder(root, home, python=bare_python)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 16.0
    assert by_number(results)["8.hidden"]["max_score"] == 5.0


@pytest.mark.parametrize(("source", "score"), [(REFERENCE, 15.0), (STUB, 0.0)], ids=["reference", "stub"])
def test_reference_earns_the_assignments_points_and_the_stub_none(bundle, tmp_path, home, source, score):
    root = unpack(bundle, tmp_path, submission={"homework2_affine_jsmith.py": source})
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == score
    assert set(by_number(results)) == {item.id for item in HW.items}
    assert sum(test["max_score"] for test in results["tests"]) == HW.points
    assert {test["status"] for test in results["tests"]} == {"passed" if score else "failed"}
    assert results["visibility"] == "visible" and results["stdout_visibility"] == "hidden"
    assert results["execution_time"] >= 0 and "Isolation: namespaces" in results["output"]
    assert results["extra_data"]["assignment"] == "hw2_affine" and results["extra_data"]["profile"] == "official"


@pytest.mark.parametrize("file", ["transposed_backward.py", "hardcoded_example.py", "two_layers_only.py"])
def test_buggy_submission_scores_what_grade_submit_gives_it(bundle, tmp_path, home, file):
    submitted = SUBMISSIONS / "hw2_affine" / file
    root = unpack(bundle, tmp_path / "autograder", submission={"homework2_affine_jsmith.py": submitted})
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    shutil.copyfile(submitted, tmp_path / "homework2_affine_jsmith.py")
    local = grade_submit_json(tmp_path / "homework2_affine_jsmith.py")
    assert 0 < results["score"] < 15
    assert results["score"] == local["score"]
    assert {n: t["score"] for n, t in by_number(results).items()} == {t["number"]: t["score"] for t in local["tests"]}
    for test in local["tests"]:  # the same feedback, and what to fix
        assert by_number(results)[test["number"]]["output"].startswith(test["output"])
    assert {t["status"] for t in results["tests"]} == {"passed", "failed"}


@pytest.mark.parametrize("visibility", [None, "hidden", "after_published", "visible"])
def test_hidden_items_have_the_configured_visibility(tmp_path, home, visibility):
    options = ["--hidden-visibility", visibility] if visibility else []
    made = CliRunner().invoke(main, ["export", "gradescope", "hw2_affine", "--out", str(tmp_path / "ag.zip"),
                                     *options])
    assert made.exit_code == 0, made.output
    root = unpack(tmp_path / "ag.zip", tmp_path / "autograder",
                  submission={"homework2_affine_jsmith.py": SUBMISSIONS / "hw2_affine" / "hardcoded_example.py"})
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    expected = visibility or "after_due_date"
    assert {n: t["visibility"] for n, t in by_number(results).items()} == {
        item.id: expected if item.id in HIDDEN_ITEMS else "visible" for item in HW.items}


@pytest.mark.parametrize(
    ("metadata", "students"),
    [(METADATA, STUDENTS), (None, []), ("{not json", []), ({"users": "nobody"}, [])],
    ids=["group-of-two", "no-metadata", "corrupt-metadata", "odd-metadata"],
)
def test_submitters_from_gradescopes_metadata_are_kept_in_extra_data(bundle, tmp_path, home, metadata, students):
    root = unpack(bundle, tmp_path, submission={"homework2_affine_jsmith.py": REFERENCE}, metadata=metadata)
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 15  # the metadata never stands in the way of grading
    assert results["extra_data"]["students"] == students


def test_the_file_matching_the_pattern_is_graded_among_several(bundle, tmp_path, home):
    root = unpack(bundle, tmp_path, submission={
        "a_helpers.py": "X = 1\n", "homework2_affine_jsmith.py": REFERENCE, "notes.txt": "see code",
        "__MACOSX/._homework2_affine_jsmith.py": b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X"})
    done, results = run_autograder(root, home)
    assert results["score"] == 15


# -- when things go wrong ----------------------------------------------------------------------
SUBMISSION_PROBLEMS = [
    # (id, files, expected score, what the visible summary says)
    ("exits-at-import", {"homework2_affine_jsmith.py": "import sys\nsys.exit(3)\n"}, 0.0,
     ["Importing your file failed", "SystemExit"]),
    ("os-exit-after-correct-code", {"homework2_affine_jsmith.py": REFERENCE.read_text() + "\nimport os\nos._exit(1)\n"},
     15.0, ["Importing your file failed", "os._exit()"]),
    ("raises-at-import", {"homework2_affine_jsmith.py": STUB.read_text() + "\nraise RuntimeError('plotting')\n"}, 0.0,
     ["Importing your file failed", "RuntimeError"]),
    ("syntax-error", {"homework2_affine_jsmith.py": "def AffineTransformation(W, b, x:\n    return W @ x\n"}, 0.0,
     ["could not be imported", "SyntaxError"]),
    ("not-text", {"homework2_affine_jsmith.py": b"\x00\x01PK\x03\x04"}, 0.0, ["NUL bytes"]),
]


@pytest.mark.parametrize(("files", "score", "says"), [case[1:] for case in SUBMISSION_PROBLEMS],
                         ids=[case[0] for case in SUBMISSION_PROBLEMS])
def test_a_broken_submission_is_graded_and_told_why(bundle, tmp_path, home, files, score, says):
    root = unpack(bundle, tmp_path, submission=files)
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == score
    assert set(by_number(results)) == {item.id for item in HW.items}  # every item, with its points at stake
    assert results["visibility"] == "visible"
    for words in says:
        assert words in results["output"], results["output"]


def _corrupt_config(root: Path) -> None:
    (root / "source" / "gradescope.json").write_text('{"assignment": ')


def _unknown_assignment(root: Path) -> None:
    (root / "source" / "gradescope.json").write_text('{"assignment": "hw99_nope"}')


def _config_not_an_object(root: Path) -> None:
    (root / "source" / "gradescope.json").write_text('["hw2_affine"]')


GRADER_FAILURES = [
    ("no-py-file", {"notes.txt": "I forgot the code", "report.pdf": b"%PDF-1.4"}, None,
     ["nothing to grade", "notes.txt", "report.pdf"]),
    ("empty-submission", {}, None, ["nothing to grade"]),
    ("corrupt-gradescope-json", {"homework2_affine_jsmith.py": REFERENCE}, _corrupt_config, ["gradescope.json"]),
    ("gradescope-json-not-an-object", {"homework2_affine_jsmith.py": REFERENCE}, _config_not_an_object,
     ["gradescope.json"]),
    ("unknown-assignment", {"homework2_affine_jsmith.py": REFERENCE}, _unknown_assignment,
     ["unknown assignment 'hw99_nope'"]),
]


@pytest.mark.parametrize(("files", "damage", "says"), [case[1:] for case in GRADER_FAILURES],
                         ids=[case[0] for case in GRADER_FAILURES])
def test_when_grading_fails_results_json_still_says_so_scores_zero_and_exits_0(bundle, tmp_path, home, files,
                                                                                damage, says):
    root = unpack(bundle, tmp_path, submission=files)
    if damage is not None:
        damage(root)
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0
    [entry] = results["tests"]
    assert entry["visibility"] == "visible" and entry["score"] == 0 and entry["status"] == "failed"
    student_fault = "nothing to grade" in " ".join(says)
    assert ("submit again" if student_fault else "could not grade") in results["output"]
    assert results["visibility"] == "visible"
    if student_fault:
        assert "Upload your homework2_affine" in entry["output"]  # what to upload
        assert entry["name"] == "Nothing to grade in the submission"  # the student's to fix, not a grader failure
    for words in says:
        assert words in entry["output"], entry["output"]


def test_a_grader_failure_shows_students_the_error_but_not_the_hidden_source(bundle, tmp_path, home):
    """A traceback quotes source lines; one from the hidden half must go only
    where the course staff look (the autograder's stdout, instructors only)."""
    root = unpack(bundle, tmp_path, submission={"homework2_affine_jsmith.py": REFERENCE})
    hidden = root / "source" / "course" / "reference" / "hw2_affine" / "hidden.py"
    text = hidden.read_text()
    assert f'hidden_seed="{SEED}",' in text
    hidden.write_text(text.replace(f'hidden_seed="{SEED}",', f'hidden_seed="{SEED}" + 1,'))
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0
    [entry] = results["tests"]
    assert "TypeError" in entry["output"]
    assert SEED not in (root / "results" / "results.json").read_text()
    assert SEED in done.stdout + done.stderr  # the staff's copy of the traceback


# -- isolation in a container like Gradescope's ------------------------------------------------
def _without_cap_sys_admin() -> list[str]:
    """The prefix that runs a command as root without CAP_SYS_ADMIN, as in a
    default Docker container (Gradescope's autograders run in one)."""
    capsh = shutil.which("capsh")
    if os.geteuid() != 0 or capsh is None:
        pytest.skip("needs root and capsh to take CAP_SYS_ADMIN away")
    return [capsh, "--drop=cap_sys_admin", "--", "-c", 'exec "$@"', "capsh"]


def test_strict_bundle_without_cap_sys_admin_fails_visibly_never_silently(bundle, tmp_path):
    wrap = _without_cap_sys_admin()
    root = unpack(bundle, tmp_path / "autograder", submission={"homework2_affine_jsmith.py": REFERENCE})
    done, results = run_autograder(root, tmp_path / "home", wrap=wrap)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0
    [entry] = results["tests"]
    assert "strict isolation needs Linux namespaces" in entry["output"]


def test_auto_isolation_bundle_grades_without_cap_sys_admin_and_says_at_what_level(tmp_path):
    """Where other users can read the Python runtime (Gradescope's images) the child runs as its own uid;
    where they cannot (this machine's runtime is under /root), a root grader refuses to run student code
    as root, and says so in a visible entry."""
    wrap = _without_cap_sys_admin()
    path = export(HW, tmp_path / "autograder.zip", isolation="auto")
    root = unpack(path, tmp_path / "autograder", submission={"homework2_affine_jsmith.py": REFERENCE})
    done, results = run_autograder(root, tmp_path / "home", wrap=wrap)
    assert done.returncode == 0, done.stderr
    if isolation.unreadable_runtime() is not None:
        [entry] = results["tests"]
        assert results["score"] == 0 and "student code would run as root" in entry["output"]
        return
    assert results["score"] == 15
    assert results["extra_data"]["isolation"] in ("python-hook", "uid", "namespaces")
    assert f"Isolation: {results['extra_data']['isolation']}" in results["output"]


# -- a bundle with datasets, set up and run end to end -----------------------------------------
@pytest.mark.slow
def test_hw6_bundle_sets_up_its_data_and_grades_the_reference(tmp_path, home, bare_python, mnist_data_dir):
    """setup.sh fetches MNIST with the bundle's own manifests into the bundle's
    data folder (from a mirror folder of the real files: no network here;
    pip is left out, the bundle's grader-source standing in for its install),
    then run_autograder grades the hw6 reference with it."""
    hw6 = assignments.get("hw6_mnist")
    path = export(hw6, tmp_path / "autograder.zip", profile="quick")
    root = unpack(path, tmp_path / "autograder",
                  submission={"homework6_jsmith.py": REPO / "reference" / "hw6_mnist" / "solution.py"})
    no_pip = tmp_path / "python-without-pip"
    no_pip.write_text(f'#!/usr/bin/env bash\nif [ "$1" = "-m" ] && [ "$2" = "pip" ]; then exit 0; fi\n'
                      f'exec "{bare_python}" "$@"\n')
    no_pip.chmod(0o755)
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], cwd=root, capture_output=True, text=True, timeout=600,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
             "AUTOGRADER_ROOT": str(root), "GRADE_PYTHON": str(no_pip),
             "PYTHONPATH": str(root / "source" / "grader-source"), "GRADER_MIRROR": str(mnist_data_dir / "mnist")})
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert f"Datasets: mnist (verified, in {root / 'source' / 'data' / 'mnist'})" in setup.stdout
    assert {f.name for f in (root / "source" / "data" / "mnist").glob("*.npy")} >= {
        "mnist_train_images.npy", "mnist_test_labels.npy"}
    done, results = run_autograder(root, home, python=bare_python)
    assert done.returncode == 0, done.stdout
    assert results["extra_data"]["profile"] == "quick"
    assert results["score"] == 80, [(t["number"], t["output"]) for t in results["tests"] if t["score"] < t["max_score"]]
    assert results["extra_data"]["manual"]  # the PDF screenshots, graded by hand


# -- a bundle built on a current image: the system Python is externally managed (PEP 668) ------
SYSTEM_PYTHON = Path("/usr/bin/python3")


def externally_managed_python() -> Path:
    """``/usr/bin/python3`` if it is what current images hold (Debian 12,
    Ubuntu 24.04): Python 3.10 or later, marked externally managed (PEP 668),
    able to make virtual environments (``python3-venv``); else skip, saying why."""
    if not SYSTEM_PYTHON.is_file():
        pytest.skip(f"no {SYSTEM_PYTHON} here: the test builds the bundle on a Debian-style system Python")
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", (
        "import importlib.util, os, sys, sysconfig\n"
        "print(sys.version_info >= (3, 10))\n"
        "print(os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))\n"
        "print(importlib.util.find_spec('ensurepip') is not None)")], capture_output=True, text=True, timeout=60)
    recent, managed, venv = (probe.stdout.split() + ["False"] * 3)[:3]
    if recent != "True":
        pytest.skip(f"{SYSTEM_PYTHON} is older than Python 3.10, which the grader needs")
    if managed != "True":
        pytest.skip(f"{SYSTEM_PYTHON} is not marked externally managed (PEP 668): not a current image's Python")
    if venv != "True":
        pytest.skip(f"{SYSTEM_PYTHON} cannot make virtual environments here: apt-get install python3-venv")
    return SYSTEM_PYTHON


def image_without_python3_venv(folder: Path) -> tuple[Path, Path]:
    """A PATH folder that makes ``python3`` an image without python3-venv
    until ``apt-get install python3-venv`` has run: the real system Python
    behind a wrapper whose ``-m venv`` fails as Debian's does, and an
    ``apt-get`` that records its arguments and "installs" by lifting that
    failure. Returns the folder and apt-get's record."""
    folder.mkdir()
    installed, record = folder / "python3-venv.installed", folder / "apt-get.log"
    (folder / "python3").write_text(
        "#!/bin/sh\n"
        f'if [ "$1 $2" = "-m venv" ] && [ ! -e "{installed}" ]; then\n'
        "  echo 'The virtual environment was not created successfully because ensurepip is not' >&2\n"
        "  echo 'available.  On Debian/Ubuntu systems, you need to install the python3-venv package.' >&2\n"
        "  exit 1\nfi\n"
        f'exec "{SYSTEM_PYTHON}" "$@"\n')
    (folder / "apt-get").write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{record}"\n'
        f'case " $* " in *" install "*python3-venv*) touch "{installed}" ;; esac\n')
    for tool in ("python3", "apt-get"):
        (folder / tool).chmod(0o755)
    return folder, record


def pip_environment() -> dict[str, str]:
    """This machine's pip settings (index, wheel folders) and its wheel
    cache, so the bundle's install reuses what the suite's own install
    fetched instead of downloading it again."""
    keep = {key: value for key, value in os.environ.items()
            if key.startswith("PIP_") and key not in ("PIP_REQUIRE_VIRTUALENV", "PIP_BREAK_SYSTEM_PACKAGES",
                                                       "PIP_USER", "PIP_TARGET", "PIP_PREFIX")}
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pip"
    # Not compiling the libraries' bytecode at install halves the install's time (the test
    # grades one file, whose imports compile what they need); a real build compiles.
    return {**keep, "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(cache)), "PIP_COMPILE": "0"}


@pytest.mark.slow
def test_bundle_builds_and_grades_on_an_externally_managed_system_python(bundle, tmp_path, home):
    """setup.sh and run_autograder as Gradescope runs them, with nothing but
    the image's python3 (the real externally managed /usr/bin/python3, in an
    image that lacks python3-venv until apt-get installs it): the build makes
    the autograder's own environment, says what it will grade with, and every
    submission is graded with that environment, not the image's packages."""
    system = externally_managed_python()
    root = unpack(bundle, tmp_path / "autograder", submission={"homework2_affine_jsmith.py": REFERENCE})
    tools, apt_log = image_without_python3_venv(tmp_path / "image-bin")
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], cwd=root, capture_output=True, text=True, timeout=900,
        env={**pip_environment(), "PATH": f"{tools}:/usr/bin:/bin", "HOME": str(home),
             "XDG_CACHE_HOME": str(home / ".cache"), "LANG": "C.UTF-8", "AUTOGRADER_ROOT": str(root)})
    log = setup.stdout + setup.stderr
    assert "externally-managed-environment" not in log and "--break-system-packages" not in log, log
    assert setup.returncode == 0, log
    assert "installing python3-venv with apt-get" in setup.stdout
    assert apt_log.read_text().splitlines() == ["update -qq", "install -y -qq python3-venv"]

    venv = root / "source" / "venv"
    python = venv / "bin" / "python"
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    where = subprocess.run([str(python), "-c", "import sys, numpy, scipy, grader; print(sys._base_executable); "
                            "print(numpy.__file__); print(scipy.__file__); print(grader.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert where.returncode == 0, where.stderr
    base, *modules = where.stdout.split()
    assert Path(base).resolve() == system.resolve()
    assert all(Path(module).is_relative_to(venv) for module in modules), modules  # none of the image's

    # The build's check: the Python, the isolation level, the datasets (hw2_affine needs none).
    assert f"Python: {python} (Python " in setup.stdout and f"a virtual environment over {base}" in setup.stdout
    levels = re.findall(r"^Isolation in this image: (\S+) ", setup.stdout, re.MULTILINE)
    assert levels and levels[0] in ("namespaces", "uid"), setup.stdout
    assert "Datasets: none needed" in setup.stdout

    done, results = run_autograder(root, home, python=None)  # no GRADE_PYTHON: the bundle's own environment
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Grading with {python} " in done.stdout
    assert results["score"] == 15, results.get("output")
    assert {test["status"] for test in results["tests"]} == {"passed"}
    assert results["extra_data"]["isolation"] == levels[0]  # what the build said is what grades


def test_without_the_built_environment_run_autograder_still_writes_results_json(bundle, tmp_path, home):
    """An image whose setup.sh never finished has no source/venv: every
    submission still gets a results.json that says so, on the course's side."""
    root = unpack(bundle, tmp_path / "autograder", submission={"homework2_affine_jsmith.py": REFERENCE})
    done, results = run_autograder(root, home, python=None)
    assert done.returncode == 0
    assert results["score"] == 0
    [entry] = results["tests"]
    assert entry["max_score"] == HW.points and "setup.sh did not finish" in entry["output"]
    assert "could not grade" in results["output"]
    assert f"no Python at {root / 'source' / 'venv' / 'bin' / 'python'}" in done.stdout


def test_the_reference_is_locked_to_root_before_student_code_runs(bundle, tmp_path, home):
    if os.geteuid() != 0:
        pytest.skip("only a grader running as root can lock the reference away from the child's uid")
    root = unpack(bundle, tmp_path / "autograder", submission={"homework2_affine_jsmith.py": REFERENCE})
    hidden = root / "source" / "course" / "reference" / "hw2_affine"
    done, results = run_autograder(root, home)
    assert done.returncode == 0 and results["score"] == 15
    assert (hidden.stat().st_mode & 0o777) == 0o700
    assert all((path.stat().st_mode & 0o077) == 0 for path in hidden.rglob("*"))


def test_setup_check_says_the_isolation_or_fails_the_build(bundle, tmp_path, home):
    root = unpack(bundle, tmp_path / "autograder")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AUTOGRADER_ROOT": str(root),
           "PYTHONPATH": str(root / "source" / "grader-source"), "GRADER_COURSE_DIR": str(root / "source" / "course")}
    ok = subprocess.run([sys.executable, "-m", "grader.export.gradescope_run", "--check"], env=env,
                        capture_output=True, text=True, timeout=60)
    level = isolation.probe().level
    assert f"Python: {sys.executable} (Python {sys.version.split()[0]}" in ok.stdout
    if level in ("namespaces", "uid"):
        assert ok.returncode == 0 and f"Isolation in this image: {level}" in ok.stdout
        assert "Datasets: none needed" in ok.stdout
    else:
        assert ok.returncode == 1 and "cannot grade in this image" in ok.stdout
    broken = subprocess.run([sys.executable, "-m", "grader.export.gradescope_run", "--check"],
                            env={**env, "GRADER_BWRAP": "/nonexistent/bwrap"}, capture_output=True, text=True,
                            timeout=60)
    if os.geteuid() != 0 or isolation.unreadable_runtime() is not None:  # no namespaces and no uid level
        assert broken.returncode == 1 and "strict isolation needs Linux namespaces" in broken.stdout


def test_setup_check_fails_the_build_when_a_dataset_is_missing(tmp_path, home):
    """hw6's bundle whose MNIST was never fetched: the build fails and says
    how to fetch it, instead of every student's test items being skipped."""
    if isolation.probe().level not in ("namespaces", "uid"):
        pytest.skip("this machine cannot give the bundle's strict isolation, which the check refuses first")
    root = unpack(export(assignments.get("hw6_mnist"), tmp_path / "autograder.zip"), tmp_path / "autograder")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AUTOGRADER_ROOT": str(root),
           "PYTHONPATH": str(root / "source" / "grader-source"), "GRADER_COURSE_DIR": str(root / "source" / "course")}
    done = subprocess.run([sys.executable, "-m", "grader.export.gradescope_run", "--check"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Datasets: none found" in done.stdout
    assert "cannot grade in this image: mnist is not in the dataset cache" in done.stdout
    assert f"grade datasets fetch mnist --data-dir {root / 'source' / 'data'}" in done.stdout


@pytest.mark.parametrize("shape", ["zip with the PDF", "nested folder", "notebook"])
def test_the_bundle_reads_zips_folders_and_notebooks_as_submit_does(bundle, tmp_path, home, shape):
    code = REFERENCE.read_bytes()
    submission = {
        "zip with the PDF": {"homework2_affine_jsmith.zip": zip_bytes(
            {"hw2/homework2_affine_jsmith.py": code, "hw2/homework2_affine_jsmith.pdf": b"%PDF-1.4\n%%EOF\n",
             "__MACOSX/hw2/._homework2_affine_jsmith.py": b"\x00\x05"})},
        "nested folder": {"hw2/code/homework2_affine_jsmith.py": code, "hw2/answers.pdf": b"%PDF-1.4\n"},
        "notebook": {"homework2_affine_jsmith.ipynb": notebook(("md", "# Homework 2"), "%matplotlib inline",
                                                                *code.decode("utf-8").split("\n\n\n"))},
    }[shape]
    root = unpack(bundle, tmp_path, submission=submission)
    done, results = run_autograder(root, home)
    assert done.returncode == 0, done.stderr
    assert results["score"] == 15, results.get("output")
