"""``grade export gradescope ID --out autograder.zip``: a Gradescope
autograder bundle, self-contained.

The zip is what Gradescope unpacks into ``/autograder/source``:

    setup.sh           makes the autograder's own virtual environment (``source/venv``) with
                       the image's python3, installs the libraries and the grader into it,
                       fetches the datasets, and checks what the image can grade with
    run_autograder     grades ``/autograder/submission`` into ``/autograder/results/results.json``
                       with that environment's Python
    requirements.txt   the grader's and the submissions' libraries
    gradescope.json    the assignment, profile, isolation, visibility of hidden items
    grader-source/     the grader package (installed by setup.sh; run_autograder also
                       puts it first on PYTHONPATH, so the bundle's own grader runs)
    course/            the assignment, its reference (hidden) and dataset manifests

Nothing outside the bundle is needed but PyPI for setup.sh and the course's
dataset URLs. Nothing is installed into the image's own Python, which current
images mark externally managed (PEP 668); ``GRADE_PYTHON`` names another Python
to install into and grade with instead. ``AUTOGRADER_ROOT`` moves
``/autograder`` (tests run the bundle in a temporary tree).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from grader import distribution, paths, plugin
from grader.assignments import Assignment
from grader.errors import UsageError
from grader.reporters.gradescope import VISIBILITIES, failure

VENV = "venv"
"""The autograder's own virtual environment, in the source folder: setup.sh
makes it with the image's python3 and run_autograder grades with it."""

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, to build the autograder's image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"
if [ -n "${GRADE_PYTHON:-}" ]; then
  # A Python chosen for the autograder: install into it as it is.
  PY="$GRADE_PYTHON"
else
  # The autograder's own virtual environment over the image's python3: the
  # system Python may be externally managed (PEP 668) and its packages are
  # the image's, not the grader's.
  if ! command -v python3 >/dev/null 2>&1; then
    echo "setup.sh: this image has no python3; choose a base image with Python 3.10 or later" >&2
    exit 1
  fi
  VENV="$ROOT/source/%(venv)s"
  if ! made=$(python3 -m venv --clear "$VENV" 2>&1); then
    echo "setup.sh: $(python3 --version 2>&1) at $(command -v python3) cannot create a virtual environment:"
    echo "$made" | sed 's/^/    /'
    if ! command -v apt-get >/dev/null 2>&1; then
      echo "setup.sh: install Python's venv module (python3-venv) in the image, then build again" >&2
      exit 1
    fi
    echo "setup.sh: installing python3-venv with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    python3 -m venv --clear "$VENV"
  fi
  PY="$VENV/bin/python"
fi
"$PY" -m pip install --quiet -r requirements.txt
# requirements.txt holds the grader's own dependencies: install the grader alone.
"$PY" -m pip install --quiet --no-deps ./grader-source
DATASETS=(%(datasets)s)
if [ ${#DATASETS[@]} -gt 0 ]; then
  GRADER_COURSE_DIR="$ROOT/source/course" "$PY" -m grader.cli datasets fetch "${DATASETS[@]}" --data-dir "$ROOT/source/data"
fi
# Say what the autograder will grade with, and fail the build, not every
# student's submission, if this image cannot grade with the bundle's isolation
# or lacks a dataset.
AUTOGRADER_ROOT="$ROOT" PYTHONPATH="$ROOT/source/grader-source${PYTHONPATH:+:$PYTHONPATH}" \\
  GRADER_COURSE_DIR="$ROOT/source/course" "$PY" -m grader.export.gradescope_run --check
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission. It always leaves results/results.json.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${GRADE_PYTHON:-$ROOT/source/%(venv)s/bin/python}"
cd "$ROOT/source"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "run_autograder: no Python at $PY: setup.sh did not finish building this image"
  mkdir -p "$ROOT/results"
  cat > "$ROOT/results/results.json" <<'RESULTS'
%(no_python)s
RESULTS
  exit 0
fi
export PYTHONPATH="$ROOT/source/grader-source${PYTHONPATH:+:$PYTHONPATH}"
export GRADER_COURSE_DIR="$ROOT/source/course"
export GRADER_DATA_DIR="$ROOT/source/data"
export AUTOGRADER_ROOT="$ROOT"
export PYTHONDONTWRITEBYTECODE=1
"$PY" -m grader.export.gradescope_run
"""

NO_PYTHON = (f"the autograder's Python environment (source/{VENV}) is missing: setup.sh did not finish building "
             "this image. Rebuild the autograder; the build's log says which step failed")


def export(assignment: Assignment, out: Path, *, profile: str | None = None, isolation: str = "strict",
           hidden_visibility: str = "after_due_date") -> Path:
    """Write the bundle to ``out`` (a .zip)."""
    if hidden_visibility not in VISIBILITIES:
        raise UsageError(f"hidden visibility must be one of {', '.join(VISIBILITIES)}")
    loaded = plugin.load(assignment)
    if not loaded.has_hidden:
        raise UsageError(f"{assignment.id} has no hidden half here (reference/{assignment.id}/hidden.py): a "
                         "Gradescope bundle grades with every check")
    chosen = assignment.profile(profile).name
    with tempfile.TemporaryDirectory() as staging:
        root = Path(staging)
        course = root / "course"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(assignment.folder, course / "assignments" / assignment.id, ignore=ignore)
        shutil.copytree(paths.reference_dir() / assignment.id, course / "reference" / assignment.id, ignore=ignore)
        (course / "datasets").mkdir()
        for name in assignment.datasets:
            shutil.copyfile(paths.dataset_manifests_dir() / f"{name}.toml", course / "datasets" / f"{name}.toml")
        (course / paths.COURSE_MARKER).write_text(f"schema_version = 1\nassignment = \"{assignment.id}\"\n")
        distribution.copy_source(root / "grader-source")
        (root / "requirements.txt").write_text("\n".join(distribution.requirements(distribution.STUDENT_EXTRA)) + "\n")
        (root / "gradescope.json").write_text(json.dumps(
            {"assignment": assignment.id, "profile": chosen, "isolation": isolation,
             "hidden_visibility": hidden_visibility}, indent=2) + "\n")
        (root / "setup.sh").write_text(SETUP % {"datasets": " ".join(assignment.datasets), "venv": VENV})
        (root / "run_autograder").write_text(RUN % {"venv": VENV, "no_python": json.dumps(
            failure(NO_PYTHON, max_score=assignment.points), indent=2)})
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as handle:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(root))
                    if path.name in ("setup.sh", "run_autograder"):
                        info.external_attr = 0o100755 << 16
                    handle.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
        partial.replace(out)
    return out
