"""``grade similarity``: in a class of independently written hw6 files (one of each family of the
suite's real-shaped fixtures), copies planted with the usual disguises (renamed variables,
reordered functions, changed comments and whitespace, reformatting, all of them, inside a zip with
the PDF, as a notebook) rank first, above every honest pair; files that share only the stub do
not flag; an archive is compared with the class and not with itself; a second run tokenises
nothing; ``grade batch --similarity`` links the page from the class summary."""

from __future__ import annotations

import ast
import builtins
import csv
import io
import json
import random
import subprocess
import sys
import tokenize
import zipfile
from pathlib import Path

import pytest

from course_files import REPO, SUBMISSIONS

pytest.importorskip("copydetect", reason="similarity needs copydetect: pip install 'grade[similarity]'")

from grader import assignments  # noqa: E402
from grader.similarity import compare, read_folder, similarity  # noqa: E402

pytestmark = pytest.mark.slow
GRADE = Path(sys.executable).with_name("grade")
HW6 = assignments.get("hw6_mnist")
STUB = (HW6.folder / HW6.stub).read_text()
# One file of each family of the suite's hw6 fixtures: a family is a file and the variants derived from it
# (homework6_b_default and homework6_b_default_summed, the mutants of homework6_base, ...).
INDEPENDENT = ["hw6/homework6_base.py"] + [f"hw6_wild/homework6_{name}.py" for name in (
    "alpha_beta_defaults", "augmented_matrix", "b_default", "budget_stress", "forward_function", "forward_rows",
    "forward_values", "grad_cache", "grad_globals", "hyper_neuron", "ignores_hyperparams", "l1_l2_required",
    "literal_hidden", "loops", "losses_required_args", "matrix_pack", "numpy_removed", "positional_globals_search",
    "relu_sign_snake", "rows_template2019", "scipy_softmax", "summed_rows", "tuple_choice")]


# -- the disguises ------------------------------------------------------------------------------------

def _replace_names(source: str, mapping: dict[str, str]) -> str:
    lines = source.splitlines(keepends=True)
    edits = [(tok.start, tok.end, mapping[tok.string]) for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.NAME and tok.string in mapping]
    for (row, col), (_, end), new in reversed(edits):
        lines[row - 1] = lines[row - 1][:col] + new + lines[row - 1][end:]
    return "".join(lines)


def renamed(source: str) -> str:
    """Every variable and argument renamed (the functions keep the names the stub asks for)."""
    tree = ast.parse(source)
    names = {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    names -= set(dir(builtins)) | {"np", "self"} | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return _replace_names(source, {name: f"my{name.capitalize()}Value" for name in names})


def _blocks(source: str) -> tuple[list[str], list[str], list[str]]:
    """The source's top-level statements as text: what comes before the first function, the functions, the rest."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    head, functions, tail = [], [], []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        text = "".join(lines[start:node.end_lineno])
        (functions if isinstance(node, ast.FunctionDef) else tail if functions else head).append(text)
    return head, functions, tail


def reordered(source: str) -> str:
    head, functions, tail = _blocks(source)
    random.Random(7).shuffle(functions)
    return "\n".join(head) + "\n\n" + "\n\n\n".join(functions) + "\n\n" + "\n".join(tail)


def recommented(source: str) -> str:
    """Comments and docstrings dropped, others written, blank lines and spaces changed."""
    out = []
    for line in source.splitlines():
        code = line.split("#")[0].rstrip() if "#" in line and "'" not in line and '"' not in line else line
        if not code.strip():
            continue
        code = code.replace(", ", ",").replace(" = ", "=")
        out.append(code)
        if code.lstrip().startswith("def "):
            out.append(" " * (len(code) - len(code.lstrip()) + 4) + "# my own work, written at night")
    return "\n".join(out) + "\n"


def reformatted(source: str) -> str:
    return ast.unparse(ast.parse(source)) + "\n"


def disguised(source: str) -> str:
    return reformatted(reordered(renamed(source)))


def notebook(source: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Homework 6\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
              "source": ["%matplotlib inline\n", *source.splitlines(keepends=True)]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# -- the class --------------------------------------------------------------------------------------------

PLANTED = {  # the copy's student -> (the original's student, how it was disguised)
    "copier1": ("student03", renamed), "copier2": ("student05", reordered), "copier3": ("student08", recommented),
    "copier4": ("student11", reformatted), "copier5": ("student14", disguised)}


def write_class(folder: Path) -> dict[str, str]:
    """The independent files as student01..., the planted copies, two copies handed in other forms (a zip
    with the PDF, a notebook), and two students who handed in the untouched stub. Returns student -> source."""
    folder.mkdir()
    sources = {f"student{number:02d}": (SUBMISSIONS / name).read_text() for number, name in enumerate(INDEPENDENT, 1)}
    for student, source in sources.items():
        (folder / f"homework6_{student}.py").write_text(source)
    for copier, (original, disguise) in PLANTED.items():
        (folder / f"homework6_{copier}.py").write_text(disguise(sources[original]))
    with zipfile.ZipFile(folder / "homework6_zipper.zip", "w") as archive:
        archive.writestr("hw6/homework6_zipper.py", renamed(sources["student17"]))
        archive.writestr("hw6/writeup.pdf", b"%PDF-1.4 the answers to the written part")
    (folder / "homework6_notebooker.ipynb").write_text(notebook(recommented(sources["student20"])))
    for lazy in ("lazy1", "lazy2"):
        (folder / f"homework6_{lazy}.py").write_text(STUB.replace("Homework 6", f"Homework 6 ({lazy})"))
    return sources


PLANTED_PAIRS = {frozenset({f"homework6_{original}.py", f"homework6_{copier}.py"})
                 for copier, (original, _) in PLANTED.items()} | {
    frozenset({"homework6_student17.py", "homework6_zipper.zip"}),
    frozenset({"homework6_student20.py", "homework6_notebooker.ipynb"})}


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_planted_copies_rank_first_above_every_honest_pair(tmp_path):
    folder = tmp_path / "class"
    write_class(folder)
    out = tmp_path / "out"
    run = subprocess.run([str(GRADE), "similarity", str(folder), "--assignment", "hw6_mnist", "--out", str(out)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = csv_rows(out / "similarity.csv")
    top = [frozenset({row["file_a"], row["file_b"]}) for row in rows[:len(PLANTED_PAIRS)]]
    assert set(top) == PLANTED_PAIRS, rows[:len(PLANTED_PAIRS) + 3]
    planted = [row for row in rows if frozenset({row["file_a"], row["file_b"]}) in PLANTED_PAIRS]
    assert all(row["flagged"] == "yes" for row in planted)
    weakest = min(max(float(row["share_a_in_b"]), float(row["share_b_in_a"])) for row in planted)
    honest = [row for row in rows if frozenset({row["file_a"], row["file_b"]}) not in PLANTED_PAIRS]
    assert not any(row["flagged"] for row in honest), [r for r in honest if r["flagged"]][:3]
    strongest = max(max(float(row["share_a_in_b"]), float(row["share_b_in_a"])) for row in honest
                    if int(row["common"]) >= 200)
    assert weakest > 0.8 and weakest > strongest + 0.2, (weakest, strongest)
    # the students who handed in the stub share nothing that counts: no pair at all
    assert not [row for row in rows if "homework6_lazy" in row["file_a"] + row["file_b"]]
    first = rows[0]
    assert first["students_a"] and first["lines_a"] and first["lines_b"], first

    page = (out / "similarity.html").read_text()
    assert page.count('class="pair"') == len(PLANTED_PAIRS) and "<mark>" in page and "<script" not in page
    assert "never a grade" in page and "homework6_zipper.zip" in page
    assert "7 pair(s) flagged" in run.stdout and "0 tokenised now" not in run.stdout

    again = subprocess.run([str(GRADE), "similarity", str(folder), "--assignment", "hw6_mnist", "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "(0 tokenised now" in again.stdout, again.stdout
    assert csv_rows(out / "similarity.csv") == rows


def test_files_sharing_only_the_stub_do_not_flag_and_would_without_it(tmp_path):
    """Two students who kept the stub whole (its docstrings, constants, loading code) and wrote three
    functions of their own below it."""
    own = {name: _blocks((SUBMISSIONS / name).read_text())[1][:3] for name in
           ("hw6/homework6_base.py", "hw6_wild/homework6_loops.py")}
    folder = tmp_path / "class"
    folder.mkdir()
    for number, functions in enumerate(own.values()):
        (folder / f"homework6_kept{number}.py").write_text(STUB + "\n\n" + "\n\n".join(functions))
    entries, skipped = read_folder(folder, HW6)
    assert len(entries) == 2 and not skipped
    assert compare(entries, [STUB]).flagged == []
    without = compare(entries, [])  # the stub counted: they would look copied
    assert without.flagged and without.pairs[0].score > 0.85


def test_an_archive_is_compared_with_the_class_and_not_with_itself(tmp_path):
    folder, archive = tmp_path / "class", tmp_path / "last-term"
    sources = write_class(folder)
    archive.mkdir()
    (archive / "homework6_oldtimer.py").write_text(reformatted(sources["student09"]))
    (archive / "homework6_oldtimer2.py").write_text(reformatted(sources["student09"]) + "\n# again\n")
    written = similarity(folder, HW6, tmp_path / "out", archive=archive)
    labels = [{pair.a.label, pair.b.label} for pair in written.result.flagged]
    assert {"homework6_student09.py", "archive/homework6_oldtimer.py"} in labels
    assert {"homework6_student09.py", "archive/homework6_oldtimer2.py"} in labels
    assert not any(label <= {"archive/homework6_oldtimer.py", "archive/homework6_oldtimer2.py"} for label in labels)
    assert all(not pair.a.archive for pair in written.result.pairs)  # the class's file first


def test_a_batch_with_similarity_links_the_page_and_lists_the_top_pairs(tmp_path):
    solution = (REPO / "reference" / "hw2_affine" / "solution.py").read_text()
    example = (REPO / "examples" / "homework2_affine_jsmith.py").read_text()
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "homework2_affine_alice.py").write_text(example)
    (folder / "homework2_affine_bob.py").write_text(renamed(example))
    (folder / "homework2_affine_carol.py").write_text(solution)
    out = tmp_path / "out"
    run = subprocess.run([str(GRADE), "batch", str(folder), "--assignment", "hw2_affine", "--out", str(out),
                          "--similarity"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "similarity.csv").is_file() and (out / "similarity.html").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert {frozenset({p["file_a"], p["file_b"]}) for p in summary["similarity"]["top"]} == {
        frozenset({"homework2_affine_alice.py", "homework2_affine_bob.py"})}
    assert 'href="similarity.html"' in (out / "summary.html").read_text()
    assert "homework2_affine_alice.py" in (out / "summary.md").read_text().split("## Similarity")[1]
    assert "Similar pairs" in run.stdout


def test_the_comparison_shared_among_the_cores_finds_what_one_core_finds(tmp_path, monkeypatch):
    import importlib

    module = importlib.import_module("grader.similarity.compare")  # the package's name is the function's
    write_class(tmp_path / "class")
    entries, _ = read_folder(tmp_path / "class", HW6)
    alone = compare(entries, [STUB])
    monkeypatch.setattr(module, "PARALLEL_FROM", 0)
    shared = compare(entries, [STUB])
    assert len(alone.pairs) > 100
    assert [(p.a.file, p.b.file, p.share_a, p.share_b, p.overlap, p.spans_a) for p in shared.pairs] == \
        [(p.a.file, p.b.file, p.share_a, p.share_b, p.overlap, p.spans_a) for p in alone.pairs]
