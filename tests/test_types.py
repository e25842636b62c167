"""The package type-checks (mypy, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from course_files import REPO


def test_grader_package_type_checks():
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    completed = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
