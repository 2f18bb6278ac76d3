"""The instructor flow in one call: regenerate the release, autograde the class, show the grades.

``demo_flow`` runs it on the sample class in ``autograder/examples/`` (the README's main command
and the last step of ``cnnkit demo``).
"""

from __future__ import annotations

import json
from pathlib import Path

from cnnkit.grading.batch import BatchResult, grade_class
from cnnkit.grading.course import ASSIGNMENTS, EXAMPLES, SOLUTIONS, release
from cnnkit.grading.limits import Limits
from cnnkit.grading.report import grade_table

#: the sample class's budgets: large enough for its notebooks on 2 busy cores, small enough that
#: linus's infinite loop costs well under a minute
DEMO_LIMITS = Limits(cell_timeout=45, training_timeout=300, submission_timeout=600, memory_limit_mb=3072)


def instructor_flow(submissions, out, *, release_dir=ASSIGNMENTS, source=SOLUTIONS, workers=None,
                    limits: Limits | None = None, db_url=None, progress=True, echo=print) -> BatchResult:
    """Release from ``source``, grade ``submissions`` into ``out``, print the table and where things are."""
    echo(f"1/3 regenerating the release {release_dir} from {source} (nbgrader generate_assignment)")
    release(source=source, release_dir=release_dir)
    echo(f"2/3 autograding {submissions}")
    batch = grade_class(submissions, out=out, source=source, workers=workers, limits=limits,
                        db_url=db_url, progress=progress)
    echo("3/3 grades\n")
    echo(grade_table(batch.results))
    echo(f"\n{len(batch.results)} submissions graded in {batch.seconds:.0f} s")
    echo(f"grades:    {batch.grades_csv}")
    echo(f"report:    {batch.out / 'report.md'} (why each submission lost points or could not run)")
    echo(f"feedback:  {batch.feedback_dir}/<student>/<assignment>/*.html")
    echo(f"gradebook: {batch.db_url}")
    return batch


def demo_flow(out_dir="autograder/out", workers=None, progress=True) -> BatchResult:
    """The instructor flow on the sample class (``autograder/examples/submissions``)."""
    return instructor_flow(EXAMPLES / "submissions", Path(out_dir), workers=workers, limits=DEMO_LIMITS,
                           progress=progress)


def expected_scores(path=EXAMPLES / "expected_scores.json") -> dict:
    """The sample class's hand-written expectations: student → assignment → (score, status)."""
    data = json.loads(Path(path).read_text())
    return {s: {a: tuple(v) for a, v in work.items()} for s, work in data.items() if not s.startswith("_")}
