"""The assignment plug-in contract: every shipped assignment validates; a
broken plug-in is a configuration error before any student code runs; a
course copy without reference/ (what students hold) grades the visible items
only; the hidden seed really salts hidden instances."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from course_files import REPO
from grader import assignments, plugin
from grader.context import CheckContext
from grader.training import BUILTIN_PREFIX
from grader.errors import ConfigError
from grader.grading import grade_submission
from grader.sandbox.fake import InProcessSession

REFERENCE = REPO / "reference" / "hw2_affine" / "solution.py"


@pytest.mark.parametrize("assignment", assignments.all_assignments(), ids=lambda a: a.id)
def test_every_shipped_assignment_validates(assignment):
    loaded = plugin.load(assignment)
    assert loaded.has_hidden and len(loaded.hidden_seed or "") >= 8
    named = {item.check for item in assignment.items if not item.check.startswith(BUILTIN_PREFIX)}
    assert named == set(loaded.public.checks) | set(loaded.hidden.checks)
    for item in assignment.items:
        if item.check.startswith(BUILTIN_PREFIX):  # the core's, for a homework that declares a pipeline
            assert loaded.pipeline is not None and callable(loaded.check(item.check)), item.id
            continue
        side = loaded.public.checks if item.visibility == "visible" else loaded.hidden.checks
        assert item.check in side, item.id
    for profile in assignment.profiles:
        assert dataclasses.is_dataclass(loaded.settings[profile])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


BREAKAGES = [
    # (file under the course copy, text, replacement, what the error says)
    ("assignments/hw2_affine/assignment.toml", 'check = "part1"', 'check = "part_1"',
     "rubric item 1 names check 'part_1', which is not defined"),
    ("assignments/hw2_affine/assignment.toml", 'id = "6"\nname = "(6) d(f o g)/dz1"\npoints = 1\ncheck = "part6"',
     'id = "6"\nname = "(6) d(f o g)/dz1"\npoints = 1\ncheck = "part8_hidden"',
     "it is defined in the hidden half"),
    ("assignments/hw2_affine/checks.py", '"part6": part6,', '"part6": part6, "part9": part6,',
     "defines checks no rubric item names: ['part9']"),
    ("reference/hw2_affine/hidden.py", 'hidden_seed="affine-7f3c1e9b"', 'hidden_seed=""',
     "hidden_seed must be a secret string"),
    ("assignments/hw2_affine/checks.py", "PLUGIN = Plugin(", "PLUGINS = Plugin(", "must define PLUGIN"),
    ("reference/hw2_affine/hidden.py", "from . import solution", "from . import solutions",
     "hidden.py failed to import"),
    ("assignments/hw2_affine/assignment.toml", 'check = "part1"', 'check = "part1"\nneeds = ["mnist"]',
     "needs ['mnist'], which the manifest's datasets"),
    ("assignments/hw6_mnist/assignment.toml", "train_subset = 10000", "train_subset = 10000\nshuffle = true",
     "unknown settings ['shuffle']"),
    ("assignments/hw6_mnist/assignment.toml", "test_ce = 0.25", 'test_ce = "low"',
     "setting test_ce = 'low' should be float"),
    ("assignments/hw6_mnist/assignment.toml", 'check = "training.test_ce"', 'check = "training.test_loss"',
     "names the built-in check 'training.test_loss', but the built-in checks are"),
    ("assignments/hw6_mnist/search.py", "test=TEST,", "",
     "names the built-in check 'training.test_ce', but its pipeline declares no test_figures"),
    ("assignments/hw6_mnist/checks.py", "training=search.PIPELINE", "training=None",
     "but the plug-in declares no training pipeline"),
]


@pytest.mark.parametrize("file, old, new, says", BREAKAGES, ids=[b[3][:40] for b in BREAKAGES])
def test_a_broken_plugin_is_refused_before_any_student_code_runs(course_copy, tmp_path, file, old, new, says):
    _edit(course_copy / file, old, new)
    witness = tmp_path / "ran"
    submission = tmp_path / ("homework6_x.py" if "hw6" in file else "homework2_affine_x.py")
    submission.write_text(f"open({str(witness)!r}, 'w').write('student code ran')\n")
    hw = assignments.get("hw6_mnist" if "hw6" in file else "hw2_affine")
    with pytest.raises(ConfigError, match=None) as raised:
        grade_submission(submission, assignment=hw, session_factory=InProcessSession)
    assert says in str(raised.value)
    assert not witness.exists()


def test_without_the_reference_folder_the_visible_items_are_graded_and_the_rest_announced(course_copy, tmp_path):
    shutil.rmtree(course_copy / "reference")
    submission = tmp_path / "homework2_affine_jsmith.py"
    submission.write_bytes(REFERENCE.read_bytes())
    hw = assignments.get("hw2_affine")
    report = grade_submission(submission, assignment=hw)
    visible = [item for item in hw.items if item.visibility == "visible"]
    assert [t.number for t in report.tests] == [item.id for item in visible]
    assert report.score == report.max_score == sum(item.points for item in visible)
    assert any("the 6 hidden items (8 points) run when the course grades" in note for note in report.notes)


def _context(assignment, loaded) -> CheckContext:
    return CheckContext(assignment=assignment, profile=assignment.profile(None), plugin=loaded,
                        session=None, imported=None)  # type: ignore[arg-type]


def test_hidden_instances_change_with_the_hidden_seed():
    hw = assignments.get("hw2_affine")
    loaded = plugin.load(hw)
    salted = dataclasses.replace(loaded, hidden=dataclasses.replace(loaded.hidden, hidden_seed="another-secret"))
    draws = {seed: _context(hw, found).hidden_rng("3.hidden").normal(size=5)
             for seed, found in (("course", loaded), ("other", salted))}
    assert not np.allclose(draws["course"], draws["other"])
    again = _context(hw, loaded).hidden_rng("3.hidden").normal(size=5)
    assert np.array_equal(again, draws["course"])  # the same on every run
    public = _context(hw, loaded).public_rng("3.hidden").normal(size=5)
    assert not np.allclose(public, draws["course"])  # not what the public files alone give


def test_hidden_hw6_networks_differ_with_the_seed_and_public_ones_do_not(tmp_path):
    hw = assignments.get("hw6_mnist")
    loaded = plugin.load(hw)
    salted = dataclasses.replace(loaded, hidden=dataclasses.replace(loaded.hidden, hidden_seed="another-secret"))
    loss = plugin.module(hw, "loss")
    drawn = []
    for found in (loaded, salted):
        ctx = _context(hw, found)
        ctx.state.__dict__["hidden"] = 40  # no submission needed to draw instances
        drawn.append((ctx.fact(loss.instances), ctx.state.probe))
    assert not np.allclose(drawn[0][0][0].X, drawn[1][0][0].X)
    assert np.array_equal(drawn[0][1].X, drawn[1][1].X)


def test_a_hidden_instance_needs_the_hidden_half():
    hw = assignments.get("hw2_affine")
    public_only = dataclasses.replace(plugin.load(hw), hidden=None)
    with pytest.raises(ConfigError, match="without the hidden half"):
        _context(hw, public_only).hidden_rng("2.hidden")


def test_a_harness_failure_is_an_internal_error_that_costs_only_its_item(course_copy, tmp_path):
    # A check that hands the child a data file that is not there: the child's harness fails before any
    # student code runs. That is the grader's bug, reported as one, and the student is not told to fix it.
    _edit(course_copy / "assignments" / "hw2_affine" / "checks.py", 'result = ctx.session.call("affine_parameters")',
          'result = ctx.session.call("affine_parameters", NpyFile("/nowhere/data.npy"))')
    _edit(course_copy / "assignments" / "hw2_affine" / "checks.py", "import numpy as np",
          "import numpy as np\n\nfrom grader.sandbox import NpyFile")
    submission = tmp_path / "homework2_affine_jsmith.py"
    submission.write_bytes(REFERENCE.read_bytes())
    report = grade_submission(submission, assignment=assignments.get("hw2_affine"))
    results = {t.number: t for t in report.tests}
    assert results["1"].status == "error" and "internal error" in results["1"].output
    assert len(report.internal_errors) == 1 and "a grader bug, not the submission's" in report.internal_errors[0]
    assert all(t.status == "passed" for number, t in results.items() if number != "1")
    assert not any("sys.exit" in text for text in [t.output for t in report.tests] + list(report.notes))
