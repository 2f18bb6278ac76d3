"""After the sandbox is gone: the grader turns the executed notebook into scores in the gradebook.

Scores come from the grader's reading of its own executed copy (nbgrader's ``SaveAutoGrades``: a test
cell with an error scores 0, otherwise its points from the course's metadata, never more), after
the grader has added its own verdicts — the referee's for hand-in models, the static scan's for
"from scratch" answers. Manual grades already in the gradebook (formgrader) are kept. Writes go
through one lock, so parallel grading never interleaves gradebook transactions.
"""

from __future__ import annotations

import threading
import warnings

import nbformat

from cnnkit.grading.course import COURSE_ID
from cnnkit.grading.prepare import TrustedAssignment, grade_id
from cnnkit.grading.result import Result

__all__ = ["GRADEBOOK_LOCK", "add_verdict", "record_scores", "record_nothing_ran"]

GRADEBOOK_LOCK = threading.Lock()


def add_verdict(nb, test_id: str, ok: bool, message: str, source: str = "grader") -> None:
    """Append the grader's own verdict to test cell ``test_id``'s outputs: a failure makes it score 0."""
    for cell in nb.cells:
        if grade_id(cell) == test_id and cell.cell_type == "code":
            if ok:
                cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=f"[{source}] {message}\n"))
            else:
                cell.outputs.append(nbformat.v4.new_output(
                    "error", ename=f"{source.capitalize()}Check", evalue=message,
                    traceback=[f"{source.capitalize()}Check: {message}"]))
            return
    raise KeyError(f"no graded cell {test_id!r} in the notebook")


def _resources(trusted: TrustedAssignment, student: str, db_url: str) -> dict:
    return {"nbgrader": {"db_url": db_url, "assignment": trusted.name, "notebook": trusted.assignment.notebook_name,
                         "student": student}}


def record_scores(nb, trusted: TrustedAssignment, result: Result, db_url: str) -> None:
    """Save the executed notebook's grades (nbgrader SaveAutoGrades) and read back what counts."""
    from nbgrader.preprocessors import SaveAutoGrades

    with GRADEBOOK_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy autoflush chatter from nbgrader's models
        _ensure_submission(trusted, result.student, db_url)
        SaveAutoGrades().preprocess(nb, _resources(trusted, result.student, db_url))
        _read_back(trusted, result, db_url)


def record_nothing_ran(trusted: TrustedAssignment, result: Result, db_url: str) -> None:
    """No notebook could run: every automatic grade is 0 (manual grades an instructor gave are kept)."""
    from nbgrader.api import Gradebook

    with GRADEBOOK_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _ensure_submission(trusted, result.student, db_url)
        with Gradebook(db_url, COURSE_ID) as gb:
            submission = gb.find_submission_notebook(trusted.assignment.notebook_name, trusted.name, result.student)
            for grade in submission.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = grade.manual_score is not None
            gb.db.commit()
        _read_back(trusted, result, db_url)


def _ensure_submission(trusted: TrustedAssignment, student: str, db_url: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(trusted.name, student)


def _read_back(trusted: TrustedAssignment, result: Result, db_url: str) -> None:
    """Per-cell scores as the gradebook holds them: a manual score overrides the automatic one;
    a manually graded answer nobody graded yet counts 0 and is listed as pending."""
    from nbgrader.api import Gradebook

    graded = trusted.graded
    scores, pending = {}, {}
    with Gradebook(db_url, COURSE_ID) as gb:
        submission = gb.find_submission_notebook(trusted.assignment.notebook_name, trusted.name, result.student)
        for grade in submission.grades:
            if grade.name not in graded:
                continue
            if grade.manual_score is None and grade.auto_score is None:
                pending[grade.name] = graded[grade.name]
                scores[grade.name] = 0.0
            else:
                scores[grade.name] = min(float(grade.score or 0.0), graded[grade.name])
    result.scores = {trusted.assignment.notebook_name: {g: scores.get(g, 0.0) for g in graded}}
    result.manual_pending = pending
