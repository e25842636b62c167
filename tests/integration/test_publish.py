"""``grade publish``: the student release of an assignment. It must carry
everything a student needs to start and self-check (the stub under the name
the file pattern expects, the handout, the public checks, the grader) and
nothing of the hidden half; a release that would leak is refused."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_files import REPO
from grader import assignments, paths, toml
from grader.cli import main
from grader.errors import UsageError
from grader.publish import LeakError, publish

STUB_NAMES = {
    "hw2_affine": "homework2_affine_yourname.py",
    "hw2_softmax": "homework2_softmax_yourname.py",
    "hw3_label_smoothing": "homework3_yourname.py",
    "hw6_mnist": "homework6_yourname.py",
    "gd_shallow": "gd_shallow_yourname.py",
}
SEEDS = {  # each reference/<id>/hidden.py's hidden_seed
    "hw2_affine": "affine-7f3c1e9b",
    "hw2_softmax": "softmax-9d27e4a1c0",
    "hw3_label_smoothing": "smoothing-5d82a0c7e1",
    "hw6_mnist": "mnist-3c9e1f70b2",
    "gd_shallow": "quartic-shallow-7e1c",
}
ALL = sorted(STUB_NAMES)
# A line of the reference solution (the heart of the backward recursion).
SOLUTION_LINE = "upstream = upstream @ np.asarray(W, dtype=float)"

# An answer written as a return statement (part 5's derivatives).
RETURN_LINE = "return np.asarray(z1, dtype=float).reshape(1, -1), np.array([[1.0]])"


def run(*args: str):
    return CliRunner().invoke(main, list(args), env={"COLUMNS": "400"})


def files_under(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def source_tree(folder: Path) -> dict[str, bytes]:
    return {name: data for name, data in files_under(folder).items()
            if "__pycache__" not in name and not name.endswith(".pyc")}


def normal(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Every assignment published once, by the real ``publish()``."""
    root = tmp_path_factory.mktemp("releases")
    return {assignment_id: publish(assignments.get(assignment_id), root / assignment_id) for assignment_id in ALL}


# -- what a release holds ----------------------------------------------------------------------
@pytest.mark.parametrize("assignment_id", ALL)
def test_release_holds_what_a_student_needs(releases, assignment_id):
    release = releases[assignment_id]
    assignment = assignments.get(assignment_id)
    folder = release.folder
    tree = files_under(folder)
    assert release.stub == folder / STUB_NAMES[assignment_id]
    assert assignment.matches(release.stub.name)  # `grade submit` detects the assignment from it
    assert release.stub.read_bytes() == (assignment.folder / assignment.stub).read_bytes()
    assert tree["handout.md"] == (assignment.folder / assignment.handout).read_bytes()
    readme = tree["README.md"].decode()
    assert f"grade submit {STUB_NAMES[assignment_id]}" in readme and 'pip install "./grader-source[student]"' in readme
    marker = toml.loads(tree[paths.COURSE_MARKER].decode())
    assert marker["assignment"] == assignment_id
    # The public half, whole; the dataset manifests it needs; the grader.
    assert {name[len(f"assignments/{assignment_id}/"):]: data for name, data in tree.items()
            if name.startswith("assignments/")} == source_tree(assignment.folder)
    assert {name for name in tree if name.startswith("datasets/")} == {f"datasets/{name}.toml"
                                                                       for name in assignment.datasets}
    assert {name[len("grader-source/grader/"):]: data for name, data in tree.items()
            if name.startswith("grader-source/grader/")} == source_tree(REPO / "grader")
    assert "grader-source/pyproject.toml" in tree
    tops = {name.split("/")[0] for name in tree}
    assert tops == {"course.toml", "assignments", "datasets", "grader-source", "handout.md", "README.md",
                    STUB_NAMES[assignment_id]} - ({"datasets"} if not assignment.datasets else set())
    assert not [name for name in tree if "__pycache__" in name or name.endswith(".pyc")]
    assert {path.as_posix() for path in release.files} == set(tree)


@pytest.mark.parametrize("assignment_id", ALL)
def test_zip_holds_exactly_the_release_folder(releases, assignment_id):
    release = releases[assignment_id]
    assert release.zip == release.folder.parent / f"{assignment_id}.zip"
    with zipfile.ZipFile(release.zip) as archive:
        assert archive.testzip() is None
        zipped = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    assert zipped == {f"{assignment_id}/{name}": data for name, data in files_under(release.folder).items()}


@pytest.mark.parametrize("assignment_id", ALL)
def test_release_carries_nothing_of_the_reference(releases, assignment_id):
    release = releases[assignment_id]
    reference = REPO / "reference" / assignment_id
    assignment = assignments.get(assignment_id)
    tree = files_under(release.folder)
    with zipfile.ZipFile(release.zip) as archive:
        zipped = [archive.read(name) for name in archive.namelist()]

    # No file or folder named like the reference's (hidden.py, solution.py, ...).
    hidden_names = {path.name for path in reference.rglob("*") if path.is_file()}
    assert hidden_names and not [name for name in tree if Path(name).name in hidden_names]
    assert not [name for name in tree if "reference" in Path(name).parts]
    # The hidden seed, nowhere, in any file, nor in the zip's members.
    seed = SEEDS[assignment_id].encode()
    assert seed in (reference / "hidden.py").read_bytes()
    assert not [name for name, data in tree.items() if seed in data]
    assert not [data for data in zipped if seed in data]
    # No line of the reference solution (and its helper modules). Lines the
    # stub gives every student, imports, and lines the public grader itself
    # has (``rng = np.random.default_rng(seed)``) prove nothing.
    public = {normal(line) for line in (assignment.folder / assignment.stub).read_text().splitlines()}
    public |= {normal(line) for path in (REPO / "grader").rglob("*.py") for line in path.read_text().splitlines()}
    secret = {normal(line): f"{path.name}:{number}" for path in reference.rglob("*.py") if path.name != "hidden.py"
              for number, line in enumerate(path.read_text().splitlines(), start=1)
              if len(normal(line)) >= 28 and not normal(line).startswith(("import ", "from "))
              and normal(line) not in public}
    assert len(secret) > 10
    found = [(name, secret[normal(line)]) for name, data in tree.items() if b"\x00" not in data
             for line in data.decode("utf-8", errors="replace").splitlines() if normal(line) in secret]
    assert not found


def test_publish_through_the_cli(tmp_path):
    out = tmp_path / "release"
    result = run("publish", "hw2_affine", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "leak check passed" in result.output and "homework2_affine_yourname.py" in result.output
    assert (out / "homework2_affine_yourname.py").is_file() and (tmp_path / "release.zip").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release", "release.zip"]  # no staging left behind


# -- a student's self-check from inside the release --------------------------------------------
def _clean_env(home: Path, **extra: str) -> dict[str, str]:
    """A student's shell: no GRADER_COURSE_DIR, nothing of the course's."""
    return {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"), "LANG": "C.UTF-8", "COLUMNS": "120", **extra}


def _self_check(release_folder: Path, file: str, home: Path, command: list[str], **env: str) -> dict:
    done = subprocess.run([*command, "submit", file, "--json", "-"], cwd=release_folder,
                          env=_clean_env(home, **env), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SELF_CHECKS = [  # the small homeworks (no datasets): reference solution and stub
    ("hw2_affine", "homework2_affine_alice.py", REPO / "reference" / "hw2_affine" / "solution.py"),
    ("hw3_label_smoothing", "homework3_alice.py", REPO / "reference" / "hw3_label_smoothing" / "solution.py"),
]


@pytest.mark.parametrize(("assignment_id", "name", "solution"), SELF_CHECKS, ids=[c[0] for c in SELF_CHECKS])
def test_self_check_inside_the_release_runs_only_the_visible_items(tmp_path, assignment_id, name, solution):
    release = publish(assignments.get(assignment_id), tmp_path / "release")
    assignment = assignments.get(assignment_id)
    visible = {item.id: item.points for item in assignment.items if item.visibility == "visible"}
    assert 0 < len(visible) < len(assignment.items)
    shutil.copyfile(solution, release.folder / name)
    grade = [str(Path(sys.executable).parent / "grade")]  # the installed grader

    solved = _self_check(release.folder, name, tmp_path / "home", grade)
    assert {test["number"] for test in solved["tests"]} == set(visible)
    assert solved["score"] == solved["max_score"] == sum(visible.values())
    assert "hidden items" in " ".join(solved["notes"])  # says the rest runs when the course grades

    stub = _self_check(release.folder, release.stub.name, tmp_path / "home", grade)
    assert {test["number"] for test in stub["tests"]} == set(visible)
    assert stub["score"] == 0 and stub["max_score"] == sum(visible.values())


def test_self_check_with_the_grader_the_release_ships(tmp_path):
    """``pip install ./grader-source`` is what the README says: the shipped
    grader alone (first on the path, no course folder set) grades the file."""
    release = publish(assignments.get("hw2_affine"), tmp_path / "release")
    shutil.copyfile(REPO / "reference" / "hw2_affine" / "solution.py", release.folder / "homework2_affine_bo.py")
    shipped = str(release.folder / "grader-source")
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], cwd=tmp_path,
                           env=_clean_env(tmp_path / "home", PYTHONPATH=shipped), capture_output=True, text=True)
    assert where.stdout.strip().startswith(shipped)
    result = _self_check(release.folder, "homework2_affine_bo.py", tmp_path / "home",
                         [sys.executable, "-m", "grader.cli"], PYTHONPATH=shipped)
    assert result["score"] == result["max_score"] == 7


# -- the leak check ----------------------------------------------------------------------------
def _plant_in_handout(course: Path, text: str) -> None:
    handout = course / "assignments" / "hw2_affine" / "handout.md"
    handout.write_text(handout.read_text() + f"\n\nFor the TAs:\n\n```python\n{text}\n```\n")


def _plant_in_checks(course: Path, text: str) -> None:
    checks = course / "assignments" / "hw2_affine" / "checks.py"
    checks.write_text(checks.read_text() + f"\n\ndef _unused(L, upstream, W):\n    {text}\n    return upstream\n")


def _plant_in_public_answers(course: Path, text: str) -> None:
    answers = course / "assignments" / "hw2_affine" / "public_checks.toml"
    answers.write_text(answers.read_text() + f"\n# {text}\n")


def _plant_in_notebook(course: Path, text: str) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": [text + "\n"]}
    (course / "assignments" / "hw2_affine" / "starter.ipynb").write_text(
        json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))


PRECISE = "0.7310585786"
"""A precise expected value: planted in the hidden checks first (as a hard-coded answer)."""


def _precise_number_in_hidden(course: Path) -> None:
    hidden = course / "reference" / "hw2_affine" / "hidden.py"
    hidden.write_text(hidden.read_text() + f"\n\nEXPECTED_SIGMOID_AT_1 = {PRECISE}\n")


def _plant_in_latex(course: Path, text: str) -> None:
    (course / "assignments" / "hw2_affine" / "handout.tex").write_text(
        f"\\begin{{verbatim}}\n{text}\n\\end{{verbatim}}\n")


def _copy_solution_in(course: Path) -> None:
    shutil.copyfile(course / "reference" / "hw2_affine" / "solution.py",
                    course / "assignments" / "hw2_affine" / "solution.py")


A_LINE = "a line of the reference (solution.py"
A_NUMBER = f"the reference's number {PRECISE}"
LEAKS = [
    # (id, plant(course), the finding the refusal names)
    ("solution-line-in-handout", lambda c: _plant_in_handout(c, SOLUTION_LINE), A_LINE),
    ("solution-return-line-in-handout", lambda c: _plant_in_handout(c, RETURN_LINE), A_LINE),
    ("solution-line-in-checks", lambda c: _plant_in_checks(c, SOLUTION_LINE), A_LINE),
    ("solution-line-in-notebook", lambda c: _plant_in_notebook(c, SOLUTION_LINE), A_LINE),
    ("solution-line-in-latex", lambda c: _plant_in_latex(c, SOLUTION_LINE), A_LINE),
    ("seed-in-public-answers", lambda c: _plant_in_public_answers(c, f"seed {SEEDS['hw2_affine']}"), "the hidden seed"),
    ("seed-in-checks", lambda c: _plant_in_checks(c, f'W = "{SEEDS["hw2_affine"]}"'), "the hidden seed"),
    ("precise-number-in-handout",
     lambda c: (_precise_number_in_hidden(c), _plant_in_handout(c, f"sigma(1) = {PRECISE}")), A_NUMBER),
    ("precise-number-in-public-answers",
     lambda c: (_precise_number_in_hidden(c), _plant_in_public_answers(c, f"expected = -{PRECISE}")), A_NUMBER),
    ("reference-file-copied", _copy_solution_in, "a file named like the reference's solution.py"),
]


@pytest.mark.parametrize(("plant", "finding"), [leak[1:] for leak in LEAKS], ids=[leak[0] for leak in LEAKS])
def test_a_leaking_release_is_refused_and_nothing_is_left_behind(course_copy, tmp_path, plant, finding):
    plant(course_copy)
    out = tmp_path / "dist" / "hw2_affine"
    out.parent.mkdir()
    with pytest.raises(LeakError) as refused:
        publish(assignments.get("hw2_affine"), out)
    assert finding in str(refused.value)
    assert list(out.parent.iterdir()) == []  # no release, no zip, no staging folder

    result = run("publish", "hw2_affine", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert finding in " ".join(result.output.split())
    assert list(out.parent.iterdir()) == []


def test_the_course_as_it_is_publishes_in_the_copy_too(course_copy, tmp_path):
    """The control for the leak tests: the unplanted copy passes the check."""
    release = publish(assignments.get("hw2_affine"), tmp_path / "release")
    assert release.stub.is_file()


# -- where a release may go --------------------------------------------------------------------
def test_publishing_into_a_non_empty_folder_is_refused(tmp_path):
    out = tmp_path / "release"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not an empty folder"):
        publish(assignments.get("hw2_affine"), out)
    result = run("publish", "hw2_affine", "--out", str(out))
    assert result.exit_code == 2 and "not an empty folder" in " ".join(result.output.split())
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["release"]


def test_publishing_onto_a_file_is_a_usage_error(tmp_path):
    out = tmp_path / "release"
    out.write_text("not a folder")
    result = run("publish", "hw2_affine", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert out.read_text() == "not a folder"


def test_an_existing_empty_folder_is_used(tmp_path):
    out = tmp_path / "release"
    out.mkdir()
    release = publish(assignments.get("hw2_affine"), out)
    assert release.stub.is_file() and release.zip == tmp_path / "release.zip"


def test_the_zip_is_named_after_the_whole_folder_name(tmp_path):
    """``--out dist/hw2.v1`` gives ``dist/hw2.v1.zip``, not ``dist/hw2.zip``."""
    release = publish(assignments.get("hw2_affine"), tmp_path / "hw2_affine.v1")
    assert release.zip == tmp_path / "hw2_affine.v1.zip" and release.zip.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hw2_affine.v1", "hw2_affine.v1.zip"]


def test_a_new_folder_on_another_file_system_than_the_temporary_folder(tmp_path, monkeypatch):
    """``--out dist/hw2`` with ``dist`` not there yet, and /tmp on another
    file system (tmpfs): the release is still built and moved into place."""
    elsewhere = Path("/dev/shm")
    if not elsewhere.is_dir() or not os.access(elsewhere, os.W_OK) or \
            elsewhere.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a writable folder on another file system than the test's tmp_path")
    import tempfile

    scratch = Path(tempfile.mkdtemp(dir=elsewhere))
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(scratch))
        release = publish(assignments.get("hw2_affine"), tmp_path / "dist" / "hw2_affine")
        assert release.stub.is_file() and release.zip.is_file()
        assert list(scratch.iterdir()) == []
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
