"""The instructor flow in one call: regenerate the release, autograde the class, show the grades.

``demo_flow`` runs it on the sample class (built afresh from ``autograder/examples/students/``): the
README's main command and the last step of ``cnnkit demo``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cnnkit.grading.batch import BatchResult, grade_class
from cnnkit.grading.course import Course, release
from cnnkit.grading.report import grade_table
from cnnkit.grading.samples import build_class

__all__ = ["instructor_flow", "demo_flow", "expected_scores"]


def instructor_flow(course: Course, submissions, out, *, workers=None, sandbox: bool = True, db_url=None,
                    progress=True, echo=print) -> BatchResult:
    """Release from ``solutions/``, grade ``submissions`` into ``out``, print the table and where things are."""
    echo(f"1/3 regenerating the release {course.release_dir} from {course.source} (nbgrader generate_assignment)")
    release(course)
    echo(f"2/3 autograding {submissions} ({'each notebook in a bubblewrap sandbox' if sandbox else 'NO SANDBOX'})")
    batch = grade_class(submissions, out=out, course=course, workers=workers, sandbox=sandbox, db_url=db_url,
                        progress=progress)
    echo("3/3 grades\n")
    echo(grade_table(batch.results))
    echo(f"\n{len(batch.results)} submissions graded in {batch.seconds:.0f} s"
         + ("" if batch.sandboxed else " WITHOUT the sandbox"))
    echo(f"grades:    {batch.grades_csv}")
    echo(f"report:    {batch.out / 'report.md'} (why each submission lost points; the review column)")
    echo(f"feedback:  {batch.feedback_dir}/<student>/<assignment>/*.html")
    echo(f"gradebook: {batch.db_url}")
    return batch


def demo_flow(out_dir="autograder/out", *, course: Course | None = None, workers=None, sandbox: bool = True,
              progress=True, echo=print) -> BatchResult:
    """The instructor flow on the sample class, built from the current course into ``out_dir/submissions``."""
    course = course or Course.find()
    out = Path(out_dir)
    submissions = out / "submissions"
    if submissions.exists():
        shutil.rmtree(submissions)
    release(course)
    build_class(course, submissions)
    echo(f"sample class: {', '.join(sorted(p.name for p in submissions.iterdir()))} → {submissions}")
    return instructor_flow(course, submissions, out / "graded", workers=workers, sandbox=sandbox,
                           progress=progress, echo=echo)


def expected_scores(course: Course) -> dict:
    """The sample class's hand-written expectations: student → assignment → (score, status, review flags)."""
    data = json.loads((course.examples / "expected_scores.json").read_text())
    out = {}
    for student, work in data.items():
        if student.startswith("_"):
            continue
        out[student] = {a: (v[0], v[1], tuple(v[2]) if len(v) > 2 else ()) for a, v in work.items()}
    return out
