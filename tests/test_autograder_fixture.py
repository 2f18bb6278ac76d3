"""The batch autograder on a tiny TF-free assignment: every way a submission can go wrong.

Each student below is the fixture's solution or release notebook with one edit; the batch is
graded once (module fixture) and every test reads its results. Expected points come from the
fixture notebook itself: test_add is worth 2, test_square 1 (tests/fixtures/course).
"""

from __future__ import annotations

import copy
import csv
import html
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import release
from cnnkit.grading.limits import Limits

FIXTURE = Path(__file__).parent / "fixtures" / "course" / "solutions"
A = "fixture-sums"
LIMITS = Limits(cell_timeout=3, training_timeout=30, submission_timeout=15, memory_limit_mb=400)

# One worker grades the class once (a module fixture runs once per xdist worker otherwise).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder-fixture")]


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _training_cell(nb):
    return next(c for c in nb.cells if "training" in c.metadata.get("tags", []))


def _code(source):
    cell = nbformat.v4.new_code_cell(source)
    cell.pop("id", None)  # the fixture is nbformat 4.4, which has no cell ids
    return cell


def _solution():
    return nbformat.read(FIXTURE / A / f"{A}.ipynb", as_version=4)


def _students(release_nb):
    """student → (notebook or raw text, extra files)."""
    s = {}
    s["full"] = _solution()
    s["blank"] = release_nb
    nb = _solution()  # hard-codes the visible answer: only the hidden test notices
    _cell(nb, "add").source = "def add(a, b):\n    return 3"
    s["hardcoded"] = nb
    s["invalid"] = '{"cells": [ this is not json'
    nb = _solution()  # deleted the test_add cell and renamed square
    nb.cells.remove(_cell(nb, "test_add"))
    _cell(nb, "square").source = "def sq(x):\n    return x * x"
    s["deleted"] = nb
    nb = _solution()
    nb.cells.insert(3, copy.deepcopy(_cell(nb, "test_add")))
    s["duplicated"] = nb
    nb = _solution()
    _cell(nb, "add").source = "def add(a, b):\n    while True:\n        pass"
    nb.cells.insert(2, _code("add(1, 1)"))
    s["loop"] = nb
    nb = _solution()
    hog = "import time\nhog = []\nwhile True:\n    hog.append(bytearray(50 * 2**20))\n    time.sleep(0.05)"
    nb.cells.insert(3, _code(hog))
    s["hog"] = nb
    nb = _solution()  # 4 s of "training": over the 3 s cell budget, inside the 30 s training budget
    _training_cell(nb).source = "import time\ntime.sleep(4)\ntrained = True"
    s["trainer"] = nb
    nb = _solution()  # a training cell that outlives the whole-submission budget
    _training_cell(nb).source = "import time\ntime.sleep(120)"
    s["slowtrain"] = nb
    return s


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixture-class")
    release(source=FIXTURE, release_dir=tmp / "release")
    release_nb = nbformat.read(tmp / "release" / A / f"{A}.ipynb", as_version=4)
    subs = tmp / "submissions"
    for student, nb in _students(release_nb).items():
        folder = subs / student / A
        folder.mkdir(parents=True)
        path = folder / f"{A}.ipynb"
        path.write_text(nb) if isinstance(nb, str) else nbformat.write(nb, path)
        if student != "full":
            (folder / "answer.txt").write_text("42")
    batch = grade_class(subs, out=tmp / "out", source=FIXTURE, workers=2, limits=LIMITS,
                        required_files={A: ("answer.txt",)}, progress=False)
    return batch, {r.student: r for r in batch.results}, tmp


def _points(r):
    return r.scores[A]


def test_full_marks_and_blank_release(graded):
    _, by, _ = graded
    assert by["full"].score == by["full"].max_score == 3
    assert by["blank"].score == 0 and by["blank"].status == "ok"


def test_hidden_test_changes_the_score(graded):
    _, by, _ = graded
    # the visible assert add(1, 2) == 3 passes; only the hidden add(-5, 5) == 0 fails
    assert _points(by["hardcoded"]) == {"test_add": 0, "test_square": 1}
    assert any("hidden check: add(-5, 5) should be 0" in r for r in by["hardcoded"].reasons)


def test_missing_required_file(graded):
    _, by, _ = graded
    assert by["full"].status == "missing-file"
    assert any("answer.txt" in r for r in by["full"].reasons)


def test_invalid_json_scores_zero_with_reason(graded):
    _, by, _ = graded
    r = by["invalid"]
    assert r.status == "invalid-notebook" and r.score == 0
    assert "not a valid notebook" in r.reasons[0]


def test_deleted_cell_and_renamed_function(graded):
    _, by, _ = graded
    r = by["deleted"]
    assert r.status == "broken"
    # the deleted read-only test cell is put back and graded: add is still correct
    assert any("'test_add' was deleted — restored" in x for x in r.reasons)
    assert any("NameError" in x and "square" in x for x in r.reasons)
    assert _points(r) == {"test_add": 2, "test_square": 0}


def test_duplicated_cell_graded_once(graded):
    _, by, _ = graded
    r = by["duplicated"]
    assert r.status == "broken" and any("appears 2 times" in x for x in r.reasons)
    assert r.score == 3


def test_infinite_loop_times_out_and_rest_is_graded(graded):
    _, by, _ = graded
    r = by["loop"]
    assert r.status == "timeout" and any("cell #3 ran over its 3 s budget" in x for x in r.reasons)
    assert _points(r) == {"test_add": 0, "test_square": 1}


def test_memory_hog_is_stopped_and_earlier_cells_count(graded):
    _, by, _ = graded
    r = by["hog"]
    assert r.status == "memory" and any("400 MB limit" in x for x in r.reasons)
    assert _points(r) == {"test_add": 2, "test_square": 0}


def test_training_tag_gets_the_training_budget(graded):
    _, by, _ = graded
    r = by["trainer"]
    assert r.status == "ok" and r.score == 3, r.reasons


def test_submission_budget_stops_the_kernel(graded):
    _, by, _ = graded
    r = by["slowtrain"]
    assert r.status == "timeout" and any("15 s budget" in x for x in r.reasons)
    assert _points(r) == {"test_add": 2, "test_square": 0}


def test_outputs_grades_csv_report_and_gradebook(graded):
    batch, by, tmp = graded
    rows = list(csv.DictReader(open(batch.grades_csv)))
    assert {r["student"] for r in rows} == set(by)
    hard = next(r for r in rows if r["student"] == "hardcoded")
    assert (hard["test_add"], hard["test_square"], hard["score"], hard["max_score"]) == ("0", "1", "1", "3")
    report = json.loads((batch.out / "report.json").read_text())
    assert report["summary"]["submissions"] == len(by)
    assert "invalid-notebook" in (batch.out / "report.md").read_text()
    from nbgrader.api import Gradebook

    with Gradebook(batch.db_url, "cnnkit") as gb:
        for student, r in by.items():
            assert gb.find_submission(A, student).score == r.score


def test_feedback_shows_hidden_message_not_source(graded):
    batch, by, _ = graded
    page = (batch.out / "feedback" / "hardcoded" / A / f"{A}.html").read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", page))  # drop the syntax-highlighting markup
    assert "hidden check: add(-5, 5) should be 0" in text
    assert "add(-5, 5) == 0" not in text
    assert "assert add(1, 2) == 3" in text  # visible tests stay visible


def test_lms_zip_is_collected(tmp_path):
    sol = (FIXTURE / A / f"{A}.ipynb").read_bytes()
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"grace_4242_assignsubmission_file_{A}.ipynb", sol)
        zf.writestr("readme_not_a_submission.txt", "ignored")
    batch = grade_class(archive, assignments=[A], out=tmp_path / "out", source=FIXTURE, workers=1,
                        limits=LIMITS, required_files={}, progress=False)
    assert [(r.student, r.score, r.status) for r in batch.results] == [("grace", 3, "ok")]


def test_bad_input_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected a folder"):
        grade_class(tmp_path / "nope", out=tmp_path / "out", source=FIXTURE, progress=False)


def test_cli_bad_path_exits_2_with_a_message(tmp_path, capsys):
    from cnnkit.cli import main

    assert main(["grade", "run", str(tmp_path / "nope"), "--no-progress"]) == 2
    assert "no such folder or zip" in capsys.readouterr().err
