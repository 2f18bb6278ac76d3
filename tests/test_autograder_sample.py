"""Round trip on the real course: release freshness, and the sample class graded once.

The sample class (autograder/examples, built by build_class.py) plus an ``untouched`` student who
hands in the three release notebooks as they are is graded in one batch; expected scores come from
the hand-written ``expected_scores.json``, max points from the solution notebooks' metadata.
"""

from __future__ import annotations

import csv
import filecmp
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import ASSIGNMENTS, EXAMPLES, SOLUTIONS, assignment_names, release
from cnnkit.grading.pipeline import DEMO_LIMITS, expected_scores

# One worker grades the sample class once (a module fixture runs once per xdist worker otherwise).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder-sample")]
NAMES = assignment_names(SOLUTIONS)


def _max_points(a):
    nb = nbformat.read(SOLUTIONS / a / f"{a}.ipynb", as_version=4)
    return sum(c.metadata["nbgrader"].get("points", 0) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade"))


def _normalised(path):
    nb = json.loads(Path(path).read_text())
    nb.get("metadata", {}).pop("language_info", None)
    return nb


def test_solutions_have_no_outputs():
    for a in NAMES:
        nb = nbformat.read(SOLUTIONS / a / f"{a}.ipynb", as_version=4)
        dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not dirty, f"{a}: cells {dirty} have outputs — clear them before committing"


def test_committed_release_is_up_to_date(tmp_path):
    release(source=SOLUTIONS, release_dir=tmp_path / "assignments")
    for a in NAMES:
        fresh, committed = tmp_path / "assignments" / a, ASSIGNMENTS / a
        assert committed.is_dir(), f"assignments/{a} is missing: run `cnnkit grade release`"
        cmp = filecmp.dircmp(fresh, committed)
        assert not cmp.left_only and not cmp.right_only, f"assignments/{a}: files differ {cmp.left_only} {cmp.right_only}"
        for nb in fresh.glob("*.ipynb"):
            assert _normalised(nb) == _normalised(committed / nb.name), \
                f"assignments/{a}/{nb.name} is out of date with solutions/: run `cnnkit grade release`"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sample-class")
    subs = tmp / "submissions"
    shutil.copytree(EXAMPLES / "submissions", subs)
    for a in NAMES:  # a student who hands in the release untouched
        shutil.copytree(ASSIGNMENTS / a, subs / "untouched" / a)
    batch = grade_class(subs, out=tmp / "out", workers=2, limits=DEMO_LIMITS, progress=False)
    return batch, {(r.student, r.assignment): r for r in batch.results}


def test_each_sample_student_gets_the_expected_score(sample):
    _, by = sample
    expected = expected_scores()
    got = {s: {a: (by[s, a].score, by[s, a].status) for a in work} for s, work in expected.items()}
    assert got == expected, "\n".join(f"{k}: {by[k].reasons}" for k in by)
    for (s, a), r in by.items():
        assert r.max_score == _max_points(a)


def test_solution_notebooks_score_full_marks(sample):
    _, by = sample
    # ada hands in the solution notebooks themselves (build_class.py) and the reference model
    for a in NAMES:
        assert by["ada", a].score == _max_points(a) and by["ada", a].status == "ok", by["ada", a].reasons


def test_untouched_release_scores_zero_without_crashing(sample):
    _, by = sample
    for a in NAMES:
        r = by["untouched", a]
        assert r.score == 0 and r.status in {"ok", "missing-file"}, r.reasons
        assert r.feedback, "feedback is written even for a zero"


def _hidden_and_visible(a, grade_id):
    nb = nbformat.read(SOLUTIONS / a / f"{a}.ipynb", as_version=4)
    src = next(c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    visible, _, rest = src.partition("### BEGIN HIDDEN TESTS")
    hidden, _, after = rest.partition("### END HIDDEN TESTS")
    return hidden, visible + after


def test_hidden_tests_change_scores(sample):
    _, by = sample
    # grace's SGD passes the visible loss check; only the hidden optimizer check fails
    hidden, visible = _hidden_and_visible("03-first-cnn", "test_compile")
    assert "expected Adam" in hidden and "expected Adam" not in visible
    assert any("optimizer: expected Adam, got SGD" in x for x in by["grace", "03-first-cnn"].reasons)
    # margaret's separable_params ignores bias=False and her MAC answers fit only the visible (square) cases:
    # only hidden cases catch them
    hidden, visible = _hidden_and_visible("02-shapes-and-parameters", "test_params")
    assert "(3, 728, 728, 1, False)" in hidden and "728" not in visible
    hidden, visible = _hidden_and_visible("02-shapes-and-parameters", "test_macs")
    assert "(55, 27, 11, 3, 96)" in hidden and "55, 27" not in visible
    r = by["margaret", "02-shapes-and-parameters"]
    assert any("test_params failed" in x and "bias=False" in x for x in r.reasons), r.reasons
    assert any("test_macs failed" in x and "conv_macs(55, 27" in x for x in r.reasons), r.reasons


def test_report_lists_every_broken_submission_with_its_reason(sample):
    batch, by = sample
    report = {(e["student"], e["assignment"]): e for e in json.loads((batch.out / "report.json").read_text())["submissions"]}
    assert "not a valid notebook" in report["alan", "01-convolution-by-hand"]["reasons"][0]
    assert any("true_convolution" in x and "budget" in x for x in report["linus", "01-convolution-by-hand"]["reasons"])
    assert any("fashion_cnn.keras" in x for x in report["donald", "03-first-cnn"]["reasons"])
    ken = report["ken", "02-shapes-and-parameters"]["reasons"]
    assert any("'test_receptive_field' was deleted" in x for x in ken) and any("conv_macs" in x for x in ken)
    assert any("test_param_count failed" in x for x in report["barbara", "03-first-cnn"]["reasons"])


def test_grades_csv_has_per_question_and_total_scores(sample):
    batch, by = sample
    rows = list(csv.DictReader(open(batch.grades_csv)))
    assert len(rows) == len(by)
    grace = next(r for r in rows if r["student"] == "grace" and r["assignment"] == "03-first-cnn")
    assert grace["test_compile"] == "0" and grace["test_param_count"] == "2"
    assert float(grace["score"]) == by["grace", "03-first-cnn"].score


def test_feedback_shows_hidden_messages_not_hidden_source(sample):
    batch, _ = sample
    page = (batch.out / "feedback" / "grace" / "03-first-cnn" / "03-first-cnn.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "optimizer: expected Adam, got SGD" in text
    assert "isinstance(compiled.optimizer, keras.optimizers.Adam)" not in text
