"""What the assignment tests share: the solution run once in-process, the grader's view of an assignment
(its config and the provided sources it resolves answers' names through), student variants of the
solution's answers, and the referee's measurement of a saved model against the calibrated pass mark.

Each test file names its assignment (``NAME``) and builds its module fixtures from here, e.g.
``harness = harness_fixture(NAME)``; the fixtures are module-scoped so the notebook runs once per file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from cnnkit.grading import scan
from cnnkit.grading.authoring.harness import Harness
from cnnkit.grading.course import Course

ROOT = Path(__file__).resolve().parents[2]


def course() -> Course:
    return Course.find(ROOT)


def harness_fixture(name: str, skip: tuple[str, ...] | None = None):
    """A module fixture: the assignment's solution run once in-process (``skip``: the cells not to run,
    instead of the Harness's default)."""

    @pytest.fixture(scope="module")
    def harness():
        options = {} if skip is None else {"skip": skip}
        h = Harness(course().assignment(name), **options)
        yield h
        h.close()

    return harness


def provided_fixture(name: str):
    """A module fixture: what the grader resolves answers' names through (the provided cells and visible tests)."""

    @pytest.fixture(scope="module")
    def provided():
        from cnnkit.grading.grade_one import _provided_sources
        from cnnkit.grading.prepare import TrustedAssignment

        assignment = course().assignment(name)
        return _provided_sources(TrustedAssignment.build(assignment, assignment.release_folder))

    return provided


def config_fixture(name: str):
    """A module fixture: the assignment's grading config (from-scratch rules, trained-model checks)."""

    @pytest.fixture(scope="module")
    def config():
        return course().assignment(name).config

    return config


def variant(harness, cell: str, change) -> str:
    """The solution's answer cell as a student types it, with one change: an (old, new) pair, or several."""
    source = "\n".join(line for line in harness.cells[cell].source.splitlines() if "### " not in line)
    for old, new in [change] if isinstance(change[0], str) else change:
        assert old in source, f"{cell}: the solution no longer contains {old!r} — update this test"
        source = source.replace(old, new)
    return source


def graded_tests(harness) -> list[str]:
    """The grade ids of the notebook's test cells."""
    return [g for g, c in harness.cells.items()
            if c.metadata["nbgrader"].get("grade") and not c.metadata["nbgrader"].get("solution")]


def assert_the_solution_passes(harness, tests) -> None:
    """Each named test cell, visible and hidden parts, passes on the solution's own answers."""
    outcomes = {test: harness.outcome(test, part="all") for test in tests}
    failed = {test: message for test, message in outcomes.items() if message is not None}
    assert not failed, failed


def assert_names_the_mistake(message: str | None, test: str, words: str) -> None:
    """``test`` failed on a student's mistake (``message`` is its failure message) and the message names it."""
    assert message is not None, f"{test} let the mistake through: {words}"
    assert words in message, message


def setup_cells(harness) -> list[str]:
    """The sources of the notebook's code cells that are neither answers nor tests (the set-up a student is given)."""
    return [c.source for c in harness.nb.cells if c.cell_type == "code"
            and not c.metadata["nbgrader"].get("solution") and not c.metadata["nbgrader"].get("grade")]


def non_answer_cells(harness) -> list[str]:
    """The sources of the code cells (one per grade id) that are no answer: the provided cells and the tests."""
    return [c.source for c in harness.cells.values()
            if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("solution")]


def library_findings(config, provided, cell: str, text: str) -> list:
    """What the grader's from-scratch rules for ``cell`` find in the student's ``text`` for it."""
    return [f for rule in config.from_scratch if cell in rule.answers
            for f in scan.from_scratch(rule, {cell: text}, provided)]


class Referee:
    """The referee's own measurement (safe loading, architecture against the first calibration model) of
    saved models against an assignment's calibrated pass mark, as the grader asks for it."""

    def __init__(self, name: str):
        from cnnkit.grading.referee.measure import Measurer

        self.name = name
        assignment = course().assignment(name)
        self.folder = assignment.folder
        check = assignment.config.trained[0]
        assert check.threshold is not None, "not calibrated yet"
        self.threshold = check.threshold
        self._measurer = Measurer()
        self._request = {"kind": "measure", "dataset": check.dataset, "split": check.split,
                         "preprocess": check.preprocess, "image_size": check.image_size, "resize": check.resize,
                         "threshold": check.threshold.value, "reference": str(self.calibration_model(0))}

    def measure(self, model: Path | str) -> dict:
        """The verdict on one saved model: ok, accuracy, architecture, message."""
        return self._measurer.handle({**self._request, "model": str(model)})

    def calibration_model(self, index: int) -> Path:
        """One of the models the pass mark was calibrated on (0: the architecture reference)."""
        return self.folder / self.threshold.models[index]

    def sample_model(self, student: str, filename: str) -> Path:
        """A model the sample class trained with their own notebook."""
        return course().examples / "models" / student / self.name / filename


def save_untrained(build) -> Path:
    """``build()``'s network, untrained (seed 0), saved to a fresh temporary file."""
    import keras

    keras.utils.set_random_seed(0)
    path = Path(tempfile.mkdtemp()) / "untrained.keras"
    build().save(path)
    return path
