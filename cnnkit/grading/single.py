"""Grade one submission folder with the batch engine: the entry point for graders outside ``grade run``.

The same steps as a class (``grade_one.grade_submission``: trusted rebuild, run, referee, scans,
gradebook, feedback) for one ``folder``, plus what each graded cell tells the student
(``outcomes``). Gradescope's autograder calls it once per submission, from a release made when
the autograder was exported (``release_dir`` and its gradebook ``db_url``); without one, the
course is released afresh into a private gradebook, as ``grade_class`` does.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from cnnkit.grading.course import Course, release, sqlite_url
from cnnkit.grading.executor import make_executor, readonly_data
from cnnkit.grading.feedback import Screen, secret_lines
from cnnkit.grading.grade_one import BatchContext, grade_submission
from cnnkit.grading.outcomes import Outcome, outcomes
from cnnkit.grading.prepare import TrustedAssignment
from cnnkit.grading.result import Result

__all__ = ["Graded", "grade_folder"]


@dataclass
class Graded:
    """One graded submission: the engine's ``Result`` and, per graded cell, what the student may be told."""

    result: Result
    outcomes: list[Outcome]
    title: str
    release: int

    @property
    def auto_max(self) -> float:
        """Points the autograder can give (manually graded cells excluded)."""
        return sum(o.points for o in self.outcomes if o.kind == "test")


def grade_folder(course: Course, assignment: str, folder, *, out, student: str = "student", release_dir=None,
                 db_url: str | None = None, sandbox: bool = True, run_as=None, referee_as=None,
                 limits: dict | None = None, paths: dict[str, str] | None = None) -> Graded:
    """Grade ``folder`` (the student's notebook and hand-in files) for ``assignment`` into ``out``
    (autograded notebook, feedback page; the gradebook at ``db_url``).

    ``release_dir``: a folder holding ``<assignment>/`` as ``nbgrader generate_assignment`` wrote it,
    whose cells ``db_url`` already records; None releases the course afresh. ``sandbox``, ``run_as``,
    ``referee_as``: as for ``grade_class``. ``paths``: more host paths to hide from messages (→ label).
    """
    from cnnkit.grading.batch import run_limits

    a = course.assignment(assignment)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cnnkit-grade-") as tmp:
        tmp = Path(tmp)
        if release_dir is None:
            db_url = db_url or sqlite_url(out / "gradebook.db")
            release(course, [a.name], release_dir=tmp / "release", db_url=db_url)
            release_dir = tmp / "release"
        elif db_url is None:
            raise ValueError("grading from an existing release needs the gradebook that release recorded (db_url)")
        trusted = TrustedAssignment.build(a, Path(release_dir) / a.name)
        executor = make_executor(sandbox, readonly=readonly_data(), preload=(), run_as=run_as, service_as=referee_as)
        referee = None
        if a.config.trained:
            from cnnkit.grading.referee.client import Referee

            referee = Referee(executor.start_service)
        hide = {str(course.root): "<course>", str(tmp): "<tmp>", str(out): "<out>", **(paths or {})}
        ctx = BatchContext(trusted={a.name: trusted}, executor=executor, referee=referee, db_url=db_url, out=out,
                           limits={a.name: run_limits(a.config, limits)},
                           screen={a.name: Screen(secret_lines(trusted.source_nb), hide)})
        try:
            result = grade_submission(ctx, student, a.name, Path(folder))
        finally:
            if referee is not None:
                referee.close()
            executor.close()
        return Graded(result, outcomes(trusted, result), a.config.title, a.config.release)
