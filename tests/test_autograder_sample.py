"""Round trip on the real course, graded once (sandboxed): the solution of every assignment scores full
marks, the untouched release scores zero, and every sample student gets the hand-written expected score,
status and review flags (autograder/examples/expected_scores.json).

Each assignment's full-marks sample student hands in the solution as a student would type it (with a
model their own notebook trained); an ``untouched`` student hands in every release as it is. The sample
class is built from autograder/examples/students/*.toml at test time.
"""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import Course
from cnnkit.grading.pipeline import expected_scores
from cnnkit.grading.samples import build_class, load_class

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder-sample")]


def _graded_points(a):
    nb = nbformat.read(a.notebook, as_version=4)
    auto = manual = 0.0
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if meta.get("solution"):
                manual += meta["points"]
            else:
                auto += meta["points"]
    return auto, manual


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample-class")
    subs = tmp / "submissions"
    build_class(COURSE, subs, untouched=True)
    batch = grade_class(subs, out=tmp / "out", course=COURSE, workers=2, progress=False)
    return batch, batch.by_key()


def test_each_sample_student_gets_the_expected_score_status_and_flags(sample):
    _, by = sample
    expected = expected_scores(COURSE)
    problems = []
    for student, work in expected.items():
        for assignment, (score, status, flags) in work.items():
            r = by.get((student, assignment))
            if r is None:
                problems.append(f"{student}/{assignment}: not graded")
                continue
            if (r.score, r.status) != (score, status):
                problems.append(f"{student}/{assignment}: expected {score} ({status}), got {r.score} ({r.status}): "
                                f"{r.reasons}")
            missing = [f for f in flags if not any(f in x for x in r.review)]
            if missing or (r.review and not flags):
                problems.append(f"{student}/{assignment}: review flags {r.review}, expected {list(flags)}")
    assert not problems, "\n".join(problems)


def test_no_honest_sample_student_is_flagged_and_the_copier_is(sample):
    _, by = sample
    expected = expected_scores(COURSE)
    flagged = {(s, a) for (s, a), r in by.items() if r.review and s != "untouched"}
    want = {(s, a) for s, work in expected.items() for a, v in work.items() if v[2]}
    assert flagged == want
    assert want, "the sample class has a copier"


def _solution_students() -> dict[str, str]:
    """assignment → a sample student who hands in exactly the solution (and their own trained model)."""
    out = {}
    for name, student in load_class(COURSE.examples).items():
        for assignment, w in student.work.items():
            pure = not (w.answers or w.unanswered or w.delete or w.extra_cells or w.corrupt or w.copy_weights_of
                        or w.release is not None) and w.base == "solution"
            if pure and all(f in w.files for f in COURSE.assignment(assignment).config.handin.files):
                out.setdefault(assignment, name)
    return out


def test_every_solution_scores_full_marks(sample):
    _, by = sample
    solutions = _solution_students()
    assert set(solutions) == set(COURSE.names()), "every assignment needs a full-marks sample student"
    for a in COURSE.assignments():
        r = by[solutions[a.name], a.name]
        auto, manual = _graded_points(a)
        assert r.status == "ok" and r.score == auto, (a.name, r.reasons)
        assert sum(r.manual_pending.values()) == manual  # open questions wait for a person
        assert r.max_score == auto + manual


def test_the_untouched_release_scores_zero_without_crashing(sample):
    _, by = sample
    for a in COURSE.assignments():
        r = by["untouched", a.name]
        assert r.score == 0 and r.status in {"ok", "missing-file"}, (a.name, r.reasons)
        assert not r.manual_pending, "an unanswered open question scores 0 at once"
        assert r.feedback, "feedback is written even for a zero"


def test_hidden_tests_change_scores(sample):
    """grace's SGD passes 03's visible loss check; only the hidden optimizer check fails."""
    from cnnkit.grading.authoring.harness import split_test

    _, by = sample
    nb = nbformat.read(COURSE.assignment("03-first-cnn").notebook, as_version=4)
    source = next(c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "test_compile")
    visible, hidden = split_test(source)
    assert '"optimizer"' in hidden and '"optimizer"' not in visible
    r = by["grace", "03-first-cnn"]
    assert any(x.startswith("test_compile failed") and "optimizer: expected 'Adam', got 'SGD'" in x
               for x in r.reasons), r.reasons


def test_grades_csv_report_and_gradebook_agree(sample):
    batch, by = sample
    rows = list(csv.DictReader(open(batch.grades_csv)))
    assert len(rows) == len(by)
    for row in rows:
        r = by[row["student"], row["assignment"]]
        assert float(row["score"]) == r.score and row["status"] == r.status
    report = json.loads((batch.out / "report.json").read_text())
    assert report["summary"]["sandboxed"] is True and report["summary"]["submissions"] == len(by)
    from nbgrader.api import Gradebook

    with Gradebook(batch.db_url, "cnnkit") as gb:
        for (student, assignment), r in by.items():
            assert gb.find_submission(assignment, student).score == r.score


def _own_source(path: Path) -> str:
    try:
        return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    except Exception:  # a broken hand-in (the sample class has one) wrote no code of its own
        return ""


def test_feedback_never_shows_hidden_test_source(sample):
    """No line of a hidden test or of the course's solution reaches a feedback page — unless the student
    wrote that line themselves (a full-marks student typed the solution: their own code stays theirs)."""
    batch, by = sample
    from cnnkit.grading.feedback import secret_lines

    submissions = batch.out.parent / "submissions"
    for a in COURSE.assignments():
        secrets = secret_lines(nbformat.read(a.notebook, as_version=4))
        for (student, assignment), r in by.items():
            if assignment != a.name or not r.feedback:
                continue
            own = _own_source(submissions / student / assignment / f"{assignment}.ipynb")
            text = html.unescape(re.sub(r"<[^>]+>", "", Path(r.feedback[0]).read_text()))
            leaked = [line for line in secrets if line in text and line not in own]
            assert not leaked, f"{student}/{assignment}: {leaked[:2]}"


def test_no_tensorflow_chatter_and_no_grading_machine_path_reaches_a_student(sample):
    """The kernels start TensorFlow quietly (cnnkit.quiet) and outputs are screened: the executed notebooks
    and every feedback page carry none of TensorFlow's C++ start-up lines and no path of this machine."""
    import sys

    from cnnkit.quiet import STARTUP_MARKERS

    batch, by = sample
    paths = [str(ROOT), sys.prefix, sys.base_prefix, str(batch.out), str(Path.home())]
    problems = []
    for (student, assignment), r in by.items():
        if r.autograded is None:
            continue
        nb = nbformat.read(r.autograded / f"{assignment}.ipynb", as_version=4)
        outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
        feedback = Path(r.feedback[0]).read_text() if r.feedback else ""
        for marker in STARTUP_MARKERS:
            if marker in outputs or marker in feedback:
                problems.append(f"{student}/{assignment}: TensorFlow start-up line {marker!r}")
        for path in paths:
            if path in outputs:
                problems.append(f"{student}/{assignment}: path {path} in an output")
    assert not problems, "\n".join(problems)
