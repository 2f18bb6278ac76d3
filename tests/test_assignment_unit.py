"""The assignment unit: one folder per assignment, text and .ipynb kept in step, nothing of it in cnnkit/.

The course used here is a copy of the repository's (tmp), so edits never touch the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cnnkit.grading.authoring.pairing import PairingError, comparable, read_text
from cnnkit.grading.authoring.validate import check_course
from cnnkit.grading.course import Course, release
from cnnkit.grading.samples import SampleError, Work, notebook_for

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)


def _copy_course(tmp_path) -> Course:
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "assignments", root / "assignments")
    shutil.copytree(ROOT / "autograder" / "examples", root / "autograder" / "examples",
                    ignore=shutil.ignore_patterns("models"))
    return Course(root)


def _cnnkit(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnnkit", *args], cwd=cwd, capture_output=True, text=True)


def test_assignment_check_passes_for_every_folder_and_the_release():
    report = check_course(COURSE)
    assert set(report) == {*COURSE.names(), "release"}
    assert not any(report.values()), report


def test_no_assignment_name_or_hand_in_file_inside_the_library():
    names = set(COURSE.names())
    for a in COURSE.assignments():
        names |= set(a.config.handin.files)
    hits = []
    for path in (ROOT / "cnnkit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        hits += [f"{path.relative_to(ROOT)}: {n}" for n in names if n in text]
    assert not hits, "course content inside cnnkit/: " + ", ".join(hits)


@pytest.mark.parametrize("name", COURSE.names())
def test_nbgrader_metadata_survives_the_text_round_trip(name, tmp_path):
    a = COURSE.assignment(name)
    ipynb = nbformat.read(a.notebook, as_version=4)
    again = read_text(a.pair.text)
    assert comparable(again) == comparable(ipynb)
    for before, after in zip(ipynb.cells, again.cells):
        assert before.metadata.get("nbgrader") == after.metadata.get("nbgrader")
        assert before.metadata.get("tags") == after.metadata.get("tags")


def _edit_ipynb_like_jupyterlab(path: Path, old: str, new: str) -> None:
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if old in c.source)
    cell.source = cell.source.replace(old, new)
    cell.outputs = [] if cell.cell_type == "code" else None
    if cell.cell_type != "code":
        cell.pop("outputs", None)
    time.sleep(0.05)  # a later modification time, as a real edit would have
    nbformat.write(nb, path)


def test_an_edit_in_jupyterlab_is_never_lost(tmp_path):
    course = _copy_course(tmp_path)
    a = course.assignment("03-first-cnn")
    _edit_ipynb_like_jupyterlab(a.notebook, "Q3.", "Q3 (edited in JupyterLab).")
    with pytest.raises(PairingError) as refused:
        release(course, [a.name], release_dir=tmp_path / "rel")
    assert "cnnkit assignment sync 03-first-cnn" in str(refused.value)
    assert "edited in JupyterLab" in str(refused.value)
    done = _cnnkit("assignment", "sync", a.name, cwd=course.root)
    assert done.returncode == 0, done.stderr
    assert "Q3 (edited in JupyterLab)." in a.pair.text.read_text()
    assert a.pair.status() == "in-sync"
    release(course, [a.name], release_dir=tmp_path / "rel")  # builds again


def test_an_edit_of_the_text_source_is_never_lost(tmp_path):
    course = _copy_course(tmp_path)
    a = course.assignment("02-shapes-and-parameters")
    time.sleep(0.05)
    text = a.pair.text.read_text().replace("# ## 1. ", "# ## 1. (edited as text) ", 1)
    a.pair.text.write_text(text)
    check = _cnnkit("assignment", "check", a.name, cwd=course.root)
    assert check.returncode == 1 and "cnnkit assignment sync 02-shapes-and-parameters" in check.stdout
    assert _cnnkit("assignment", "sync", a.name, cwd=course.root).returncode == 0
    assert "(edited as text)" in "".join(c.source for c in nbformat.read(a.notebook, as_version=4).cells)


def test_sync_strips_outputs_a_jupyterlab_run_left(tmp_path):
    course = _copy_course(tmp_path)
    a = course.assignment("03-first-cnn")
    nb = nbformat.read(a.notebook, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    code.execution_count = 1
    nbformat.write(nb, a.notebook)
    problems = check_course(course, [a.name])[a.name]
    assert any("have outputs" in p for p in problems), problems
    a.pair.sync("auto", release=a.config.release)
    assert not check_course(course, [a.name])[a.name]


def test_scaffolded_assignment_is_complete_and_checks(tmp_path):
    course = _copy_course(tmp_path)
    done = _cnnkit("assignment", "new", "11-trivial", "--minutes", "20", cwd=course.root)
    assert done.returncode == 0, done.stderr
    folder = course.source / "11-trivial"
    assert sorted(p.name for p in folder.iterdir()) == ["11-trivial.ipynb", "11-trivial.pct.py", "assignment.toml"]
    assert _cnnkit("grade", "release", "11-trivial", cwd=course.root).returncode == 0
    check = _cnnkit("assignment", "check", "11-trivial", cwd=course.root)
    assert check.returncode == 0, check.stdout + check.stderr
    released = course.release_dir / "11-trivial"
    assert sorted(p.name for p in released.iterdir()) == ["11-trivial.ipynb", "assignment.toml"]
    assert "BEGIN SOLUTION" not in (released / "11-trivial.ipynb").read_text()


def test_scaffold_refuses_a_bad_name(tmp_path):
    course = _copy_course(tmp_path)
    done = _cnnkit("assignment", "new", "Trivial Thing", cwd=course.root)
    assert done.returncode == 2 and "expected two digits" in done.stderr


def test_a_bad_config_names_the_file_and_the_fix(tmp_path):
    course = _copy_course(tmp_path)
    path = course.source / "03-first-cnn" / "assignment.toml"
    path.write_text(path.read_text().replace("release = 2", 'release = "two"'))
    problems = check_course(course, ["03-first-cnn"])["03-first-cnn"]
    assert problems == [f"{path}: `release` must be an integer, got 'two'"]


def test_sample_students_cannot_go_stale(tmp_path):
    with pytest.raises(SampleError, match="no cell 'compile_modle'"):
        notebook_for(COURSE, "x", Work("03-first-cnn", answers={"compile_modle": "def f(): pass"}))
    with pytest.raises(SampleError, match="not an answer cell"):
        notebook_for(COURSE, "x", Work("03-first-cnn", answers={"test_compile": "pass"}))
    solution = nbformat.read(COURSE.assignment("03-first-cnn").notebook, as_version=4)
    typed = "\n".join(l for l in next(c.source for c in solution.cells
                                      if c.metadata["nbgrader"]["grade_id"] == "preprocess").splitlines()
                      if "### " not in l)
    with pytest.raises(SampleError, match="what the solution already has"):
        notebook_for(COURSE, "x", Work("03-first-cnn", answers={"preprocess": typed}))


def test_release_never_ships_the_text_source_or_instructor_files():
    for a in COURSE.assignments():
        released = {p.name for p in a.release_folder.rglob("*") if p.is_file()}
        assert not any(n.endswith(".pct.py") for n in released), released
        assert not (a.release_folder / "instructor").exists()
