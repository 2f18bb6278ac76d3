"""The batch grader's inputs and modes on the TF-free fixture course: LMS zips, bad paths, the command line,
``--no-sandbox`` (marked on every row) and a machine where bubblewrap cannot run (refused, with the fix).

Faults and attacks are in test_autograder_attacks.py (one shared batch).
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import nbformat
import pytest

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import Course
from cnnkit.grading.report import NO_SANDBOX
from cnnkit.grading.samples import Work, notebook_for

FIXTURE = Course(Path(__file__).resolve().parent / "fixtures" / "course")
A = "fixture-sums"
pytestmark = pytest.mark.xdist_group("autograder-fixture")


def _solution_bytes() -> bytes:
    return nbformat.writes(notebook_for(FIXTURE, "x", Work(A))).encode()


@pytest.mark.slow
def test_an_lms_zip_is_collected_and_graded_without_the_sandbox_marked_on_every_row(tmp_path):
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"grace_4242_assignsubmission_file_{A}.ipynb", _solution_bytes())
        zf.writestr("grace_4242_assignsubmission_file_answer.txt", "42")
        zf.writestr("readme_not_a_submission.txt", "ignored")
    batch = grade_class(archive, assignments=[A], out=tmp_path / "out", course=FIXTURE, workers=1,
                        sandbox=False, progress=False)
    assert [(r.student, r.score, r.status) for r in batch.results] == [("grace", 3, "ok")]
    assert batch.sandboxed is False
    row = next(csv.DictReader(open(batch.grades_csv)))
    assert NO_SANDBOX in row["review"]
    assert "WITHOUT the sandbox" in (batch.out / "report.md").read_text()


def test_a_zip_needs_its_assignment_named(tmp_path):
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"grace_1_assignsubmission_file_{A}.ipynb", _solution_bytes())
    with pytest.raises(ValueError, match="pass --assignment NAME"):
        grade_class(archive, out=tmp_path / "out", course=FIXTURE, sandbox=False, progress=False)


def test_bad_input_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a folder"):
        grade_class(tmp_path / "nope", out=tmp_path / "out", course=FIXTURE, sandbox=False, progress=False)


def test_unknown_assignment_is_a_clear_error(tmp_path):
    (tmp_path / "subs" / "ada" / "99-nope").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match=r"unknown assignment\(s\) \['99-nope'\]"):
        grade_class(tmp_path / "subs", out=tmp_path / "out", course=FIXTURE, assignments=["99-nope"],
                    sandbox=False, progress=False)


def test_cli_bad_path_exits_2_with_a_message(tmp_path, capsys):
    from cnnkit.cli import main

    assert main(["grade", "--course", str(FIXTURE.root), "run", str(tmp_path / "nope"), "--no-progress"]) == 2
    assert "no such folder or zip" in capsys.readouterr().err


def test_where_bubblewrap_cannot_run_grading_refuses_and_names_the_fix(tmp_path, monkeypatch, capsys):
    """A machine without bwrap (simulated by an empty PATH for the probe): refusal with the case and the fix."""
    from cnnkit.cli import main
    from cnnkit.grading.sandbox import support

    support.probe.cache_clear()
    monkeypatch.setattr(support.shutil, "which", lambda *a, **k: None)
    (tmp_path / "subs" / "ada" / A).mkdir(parents=True)
    try:
        code = main(["grade", "--course", str(FIXTURE.root), "run", str(tmp_path / "subs"), "--out",
                     str(tmp_path / "out"), "--no-progress"])
    finally:
        support.probe.cache_clear()
    err = capsys.readouterr().err
    assert code == 2 and "no-bwrap" in err and "apt-get install bubblewrap" in err and "--no-sandbox" in err
