"""The grading engine: the course's assignment folders, releasing them, and grading a class.

Each submission runs in its own sandbox (``sandbox``) on the grading kernel (``kernel``), from a copy
the grader rebuilt from the course (``prepare``); hand-in models are measured by the referee
(``referee``); scores, gradebook, report and feedback are written by the grader alone (``record``,
``report``, ``feedback``). The checks notebooks call live in :mod:`cnnkit.checks`; authoring tools
(text/ipynb pairing, scaffold, validation) in ``cnnkit.grading.authoring``. Needs the ``instructor``
extra (nbgrader, jupytext).
"""

from cnnkit._lazy import lazy_exports

_LAZY = {
    "Course": "course", "Assignment": "course", "CourseError": "course", "release": "course",
    "grade_class": "batch", "BatchResult": "batch", "Result": "result", "grade_folder": "single", "Graded": "single",
    "instructor_flow": "pipeline", "demo_flow": "pipeline", "expected_scores": "pipeline",
    "calibrate": "calibrate", "build_class": "samples",
}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = [*_LAZY]
