"""What a Gradescope autograder bundle runs for each submission
(``run_autograder`` calls ``python -m grader.export.gradescope_run``).

Gradescope puts the student's files in ``<root>/submission/`` and their
identities in ``<root>/submission_metadata.json``; this grades the file,
with the bundle's own course folder and datasets, and always writes
``<root>/results/results.json``: a grader failure becomes one visible entry
that says so. ``<root>`` is ``/autograder`` unless ``AUTOGRADER_ROOT`` moves it.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

ROOT_ENV = "AUTOGRADER_ROOT"
CONFIG = "gradescope.json"


def root() -> Path:
    return Path(os.environ.get(ROOT_ENV) or "/autograder")


def _write(target: Path, data: dict[str, Any]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    partial.replace(target)


def students(folder: Path) -> list[dict[str, Any]]:
    """The submitters, from Gradescope's metadata: name, email, student id."""
    try:
        metadata = json.loads((folder / "submission_metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    users = metadata.get("users") if isinstance(metadata, dict) else None
    return [{key: user.get(key) for key in ("name", "email", "sid", "id") if user.get(key) is not None}
            for user in users or [] if isinstance(user, dict)]


def read_config(base: Path) -> dict[str, Any]:
    """The bundle's settings (``source/gradescope.json``), or a ``ConfigError`` naming the file."""
    from grader.errors import ConfigError

    try:
        config = json.loads((base / "source" / CONFIG).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"the bundle's {CONFIG} cannot be read ({exc}): export the autograder again") from None
    if not isinstance(config, dict) or not isinstance(config.get("assignment"), str):
        raise ConfigError(f"the bundle's {CONFIG} names no assignment: export the autograder again")
    return config


def container_isolation(mode: str) -> str:
    """The isolation mode to grade with in Gradescope's container. ``strict``
    there means isolation the kernel enforces: namespaces, or (where the
    container forbids them, as Docker's defaults do) an unprivileged uid per
    child, root being the only one who may read the bundle's hidden half."""
    from grader.errors import IsolationUnavailable
    from grader.sandbox import isolation

    found = isolation.probe()
    if mode == "strict" and found.level not in ("namespaces", "uid"):
        raise IsolationUnavailable(
            f"strict isolation needs Linux namespaces or, in a container, root to run the child as an unprivileged "
            f"uid; here: {found.detail}. Export the autograder with --isolation auto to grade under the Python "
            "guard only")
    return "auto"


def lock_hidden(base: Path) -> None:
    """Make the bundle's reference (solutions, hidden checks and seed) readable
    by root only, so a child running as another uid cannot read it even
    through native code. Nothing to do unless the grader runs as root."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    hidden = base / "source" / "course" / "reference"
    for folder, _, files in os.walk(hidden):
        os.chmod(folder, 0o700)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o600)


def python_description() -> str:
    """The Python this process runs, and whether it is a virtual environment
    of its own (and whether that sees the image's own packages)."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    if sys.prefix == sys.base_prefix:
        return f"{sys.executable} (Python {version}, not a virtual environment: the packages are the image's)"
    try:
        config = (Path(sys.prefix) / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        config = ""
    shared = any(line.replace(" ", "").lower() == "include-system-site-packages=true" for line in config.splitlines())
    base = getattr(sys, "_base_executable", None) or sys.base_prefix
    packages = "the image's site-packages too" if shared else "none of the image's packages"
    return f"{sys.executable} (Python {version}, a virtual environment over {base}, {packages})"


def datasets_found(base: Path, assignment: Any) -> tuple[list[str], list[str]]:
    """The assignment's datasets in the bundle's data folder (where
    run_autograder reads them): lines saying where each one is, and why each
    missing one is missing."""
    from grader import datasets

    data = base / "source" / "data"
    found, missing = [], []
    for name in assignment.datasets:
        ds = datasets.available(name, data_dir=data)
        if ds is not None:
            found.append(f"{name} (verified, in {ds.root})")
        else:
            missing.append(datasets.missing_reason(name, data_dir=data))
    return found, missing


def check(base: Path | None = None) -> int:
    """``setup.sh``'s check, when the image is built: the Python the
    autograder grades with, the isolation this container gives the bundle,
    and the datasets it found. Exit 1, with the reason, when the bundle's
    isolation cannot be had or a dataset is missing: the build fails, not
    every student's submission."""
    from grader import assignments
    from grader.errors import GraderError
    from grader.sandbox import isolation

    base = base or root()
    print(f"Python: {python_description()}")
    try:
        config = read_config(base)
        assignment = assignments.get(config["assignment"])
        container_isolation(config.get("isolation", "strict"))
        found, missing = datasets_found(base, assignment)
    except GraderError as exc:
        print(f"The autograder cannot grade in this image: {exc}")
        return 1
    level = isolation.probe()
    print(f"Isolation in this image: {level.level} ({level.detail})")
    print(f"Datasets: {', '.join(found) if found else 'none needed' if not missing else 'none found'}")
    if missing:
        print(f"The autograder cannot grade in this image: {'; '.join(missing)}")
        return 1
    return 0


class NothingToGrade(Exception):
    """The submission holds nothing to grade: the student's to fix."""


def find_submission(folder: Path, assignment: Any) -> Path:
    """The submission folder, to grade as the reader reads it (a Python file
    at any depth, in a zip or a notebook); if it holds no such file at all,
    what the student must fix."""
    from grader import submissions

    handed = submissions.read(folder, assignment)
    handed_code = any(path.suffix.lower() in (".py", ".ipynb", ".zip") for path in folder.rglob("*") if path.is_file())
    if handed.refusal is not None and not handed_code:  # a broken .py is graded (0, every item told why)
        pattern = next(iter(getattr(assignment, "file_patterns", ())), "a .py file")
        raise NothingToGrade(f"nothing to grade in your submission: {handed.refusal}. Upload your {pattern} file "
                             "(alone, in a zip, or as a notebook)")
    return folder


def main(base: Path | None = None) -> int:
    # No __pycache__ of the hidden modules (readable by all) next to the
    # locked reference: compiled code carries the hidden seed too.
    sys.dont_write_bytecode = True
    base = base or root()
    target = base / "results" / "results.json"
    print(f"Grading with {python_description()}")  # stdout: the course staff's log
    max_score = 0.0
    try:
        from grader import assignments
        from grader.grading import grade_submission
        from grader.reporters import gradescope

        config = read_config(base)
        assignment = assignments.get(config["assignment"])
        max_score = assignment.points
        submission = find_submission(base / "submission", assignment)
        mode = container_isolation(config.get("isolation", "strict"))
        lock_hidden(base)
        report = grade_submission(submission, assignment=assignment, profile=config.get("profile"),
                                  isolation=mode)  # type: ignore[arg-type]
        _write(target, gradescope.results(report, hidden_visibility=config.get("hidden_visibility", "after_due_date"),
                                          students=students(base)))
    except BaseException as exc:  # whatever happens, Gradescope gets a results.json
        from grader.reporters.gradescope import failure

        # The traceback quotes source lines, the hidden half's among them: it goes
        # to stdout, which Gradescope shows the instructors only.
        traceback.print_exc(file=sys.stdout)
        if isinstance(exc, NothingToGrade):
            _write(target, failure(str(exc), max_score=max_score, student_fault=True))
        else:
            _write(target, failure(f"{type(exc).__name__}: {exc}", max_score=max_score))
        if isinstance(exc, KeyboardInterrupt):
            raise
    return 0


if __name__ == "__main__":
    sys.exit(check() if sys.argv[1:] == ["--check"] else main())
