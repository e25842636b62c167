"""A student's self-check from the published release, installed the way the
release's README says, in a fresh virtual environment: not editable, not
from the checkout, nothing of the course but the release folder.

The install command is read from the README the release carries, never
written here, so a README that tells students something that does not work
fails this test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_files import REPO
from grader import assignments
from grader.publish import publish

pytestmark = pytest.mark.slow

CASES = [  # (assignment, the student's file name, a correct file)
    ("hw2_affine", "homework2_affine_jsmith.py", REPO / "reference" / "hw2_affine" / "solution.py"),
    ("hw3_label_smoothing", "homework3_jsmith.py", REPO / "reference" / "hw3_label_smoothing" / "solution.py"),
]


def install_commands(readme: str) -> list[str]:
    """The shell commands the README's "Checking your work" section gives
    before the first ``grade`` command: the install step a student copies."""
    section = readme.split("## Checking your work", 1)[1]
    commands = []
    for line in section.splitlines():
        if not line.startswith("    ") or not line.strip():
            continue
        command = line.strip()
        if command.startswith("grade "):
            break
        commands.append(command)
    return commands


def _student_env(venv: Path, home: Path) -> dict[str, str]:
    """An activated virtual environment in a fresh shell: no variable of the
    course's or of this test run's (PYTHONPATH, GRADER_*) survives."""
    keep = {key: os.environ[key] for key in ("LANG", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS",
                                              "PIP_CONFIG_FILE", "PIP_CACHE_DIR") if key in os.environ}
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return {**keep, "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv),
            "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"), "COLUMNS": "100",
            # pip's wheel cache from the suite's own install: the same packages, not a second download
            "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(cache / "pip")),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The releases of CASES installed as a student installs them: one fresh
    virtual environment, the first release's README's install command run in
    its folder."""
    root = tmp_path_factory.mktemp("student")
    home = root / "home"
    home.mkdir()
    base = getattr(sys, "_base_executable", sys.executable)
    venv = root / "venv"
    subprocess.run([base, "-m", "venv", str(venv)], check=True, timeout=300)
    releases = {}
    for assignment_id, _, _ in CASES:
        releases[assignment_id] = publish(assignments.get(assignment_id), root / assignment_id).folder
    env = _student_env(venv, home)
    first = releases[CASES[0][0]]
    commands = install_commands((first / "README.md").read_text(encoding="utf-8"))
    assert commands and commands[0].startswith("pip install"), commands
    for command in commands:
        done = subprocess.run(["bash", "-c", command], cwd=first, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return {"venv": venv, "env": env, "releases": releases, "commands": commands}


def _grade(student: dict[str, object], folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = dict(student["env"])  # type: ignore[arg-type]
    return subprocess.run(["grade", *arguments], cwd=folder, env=env, capture_output=True, text=True, timeout=300)


def test_the_release_installs_a_regular_package_with_the_course_libraries(student):
    venv = student["venv"]
    assert isinstance(venv, Path)
    done = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import grader, scipy, matplotlib, sklearn, pandas, tqdm; print(grader.__file__)"],
                          capture_output=True, text=True, cwd=venv.parent,
                          env=dict(student["env"]))  # type: ignore[arg-type]
    assert done.returncode == 0, done.stderr
    installed = Path(done.stdout.strip()).resolve()
    assert "site-packages" in installed.parts  # a real install, not the checkout nor the release's copy
    assert REPO not in installed.parents


@pytest.mark.parametrize(("assignment_id", "name", "solution"), CASES, ids=[case[0] for case in CASES])
def test_a_student_grades_the_stub_and_a_correct_file_from_the_release(student, assignment_id, name, solution):
    folder = student["releases"][assignment_id]  # type: ignore[index]
    assignment = assignments.get(assignment_id)
    visible = sum(item.points for item in assignment.items if item.visibility == "visible")
    stub = next(folder.glob(f"*_yourname.py"))

    done = _grade(student, folder, "submit", stub.name, "--json", "-")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == 0 and result["max_score"] == visible

    shutil.copyfile(solution, folder / name)
    done = _grade(student, folder, "submit", name, "--json", "-")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"] == visible
    assert result["isolation"] in ("namespaces", "uid", "python-hook")

    shown = _grade(student, folder, "submit", name)  # the table, as the student reads it
    assert shown.returncode == 0 and "error" not in shown.stderr.lower(), shown.stderr
    assert re.search(rf"Total: {visible:g} / {visible:g}", shown.stdout), shown.stdout[-1500:]


def test_a_student_grades_a_file_of_the_release_from_another_folder(student, tmp_path):
    """``grade submit ~/hw2/homework2_affine_me.py`` from the home folder: the
    course is the release the file lies in."""
    folder = student["releases"]["hw2_affine"]  # type: ignore[index]
    shutil.copyfile(CASES[0][2], folder / "homework2_affine_away.py")
    done = _grade(student, tmp_path, "submit", str(folder / "homework2_affine_away.py"), "--json", "-")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"] > 0


def test_a_scipy_check_grad_file_is_graded_in_the_release(student):
    """The stubs point students at scipy.optimize.check_grad: a file that uses
    it at top level grades like any other."""
    folder = student["releases"]["hw2_affine"]  # type: ignore[index]
    source = CASES[0][2].read_text(encoding="utf-8")
    (folder / "homework2_affine_sci.py").write_text(source + (
        "\nimport scipy.optimize\nfrom scipy.optimize import check_grad\n\n"
        "print(check_grad(lambda v: float(v @ v), lambda v: 2 * v, np.ones(3)))\n"), encoding="utf-8")
    done = _grade(student, folder, "submit", "homework2_affine_sci.py", "--json", "-")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == result["max_score"] > 0, [t["output"] for t in result["tests"]]


def test_a_release_published_by_an_installed_grader_builds_the_same_package(student, tmp_path, course_copy):
    """An instructor whose grader is pip-installed (no pyproject.toml beside
    the package) publishes from a course folder: the release's grader source
    still builds, with the same dependencies and extras."""
    env = {**student["env"], "GRADER_COURSE_DIR": str(course_copy)}  # type: ignore[dict-item]
    done = subprocess.run(["grade", "publish", "hw2_affine", "--out", str(tmp_path / "again")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    wheels = tmp_path / "wheels"
    done = subprocess.run(["pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                           str(tmp_path / "again" / "grader-source")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    import zipfile
    from importlib.metadata import distribution

    wheel = next(wheels.glob("grade-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        meta = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        built = [line.split(":", 1)[1].strip() for line in archive.read(meta).decode().splitlines()
                 if line.startswith("Requires-Dist:")]
        assert "grader/sandbox/harness.py" in archive.namelist()
    assert sorted(built) == sorted(distribution("grade").metadata.get_all("Requires-Dist") or [])
