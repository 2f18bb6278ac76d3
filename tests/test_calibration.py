"""Calibrated pass marks: every recorded threshold follows its rule, and calibration writes it where it belongs."""

from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path

import nbformat
import pytest

from cnnkit.checks import handin_only
from cnnkit.grading.calibrate import calibrate, run_notebook, threshold_from
from cnnkit.grading.course import Course

ROOT = Path(__file__).resolve().parents[1]
COURSES = [Course(ROOT), Course(ROOT / "tests" / "fixtures" / "course")]
CHECKS = [(a, c) for course in COURSES for a in course.assignments() for c in a.config.trained]


@pytest.mark.parametrize("assignment, check", CHECKS, ids=[f"{a.name}:{c.test}" for a, c in CHECKS])
def test_every_recorded_threshold_follows_its_rule(assignment, check):
    t = check.threshold
    assert t is not None, f"{assignment.name}: run `cnnkit assignment calibrate {assignment.name}`"
    assert len(t.per_seed) == len(t.seeds) >= 3
    assert t.min == min(t.per_seed) and t.max == max(t.per_seed)
    assert t.mean == pytest.approx(statistics.fmean(t.per_seed), abs=1e-4)
    assert t.value == threshold_from(t.per_seed, t.margin) < t.min
    assert t.hardware and t.minutes > 0 and t.calibrated_on
    for model in t.models:
        assert (assignment.folder / model).is_file(), model


@pytest.mark.slow
def test_calibration_writes_the_record_into_assignment_toml_and_keeps_its_comments(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(ROOT / "tests" / "fixtures" / "course", root)
    course = Course(root)
    a = course.assignment("fixture-model")
    shutil.rmtree(a.folder / "instructor")
    records = calibrate(a, seeds=2, margin=0.05, budget="full", echo=lambda *_: None)
    text = a.config.path.read_text()
    assert "# A tiny trained-model assignment" in text  # the instructor's comments survive
    fresh = course.assignment("fixture-model").config.trained[0].threshold
    rec = records["test_trained_model"]
    assert fresh.value == rec["value"] == threshold_from(rec["per_seed"], 0.05)
    assert fresh.seeds == (0, 1) and fresh.models == ("instructor/calibration/seed0.keras",
                                                       "instructor/calibration/seed1.keras")
    assert all((a.folder / m).is_file() for m in fresh.models)
    assert 0.8 < fresh.min <= fresh.max <= 1.0


def test_training_for_the_hand_in_files_tells_the_notebook_so():
    """run_notebook (calibration, sample students' models) sets CNNKIT_HANDIN_ONLY, and seed and budget, in
    the kernel, so comparison cells can skip training what is not handed in; the caller's environment is
    restored afterwards."""
    a = Course(ROOT / "tests" / "fixtures" / "course").assignment("fixture-model")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, os\nfrom cnnkit.checks import handin_only\n"
        "json.dump({'handin_only': handin_only(), 'seed': os.environ.get('CNNKIT_SEED'), "
        "'budget': os.environ.get('CNNKIT_BUDGET')}, open('model.keras', 'w'))")])
    before = os.environ.get("CNNKIT_HANDIN_ONLY")
    files = run_notebook(a, nb, seed=5, budget="small", timeout=120)
    assert json.loads(files["model.keras"].read_text()) == {"handin_only": True, "seed": "5", "budget": "small"}
    assert os.environ.get("CNNKIT_HANDIN_ONLY") == before and not handin_only()
