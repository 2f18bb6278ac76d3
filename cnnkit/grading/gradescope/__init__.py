"""Gradescope's autograder from the same engine: ``cnnkit grade export gradescope ASSIGNMENT``.

``export`` writes the zip Gradescope expects (``setup.sh`` and ``run_autograder`` at its root, the
cnnkit wheel, the course's source of that assignment with its hidden tests, a release and its
gradebook made at export time); ``provision`` is the set-up step (users, datasets, permissions);
``run`` grades ``/autograder/submission`` with ``cnnkit.grading.single.grade_folder`` and writes
``/autograder/results/results.json`` (``results``). No bubblewrap there: the notebook runs as an
unprivileged user, the referee as another one, and the course is readable only by root.
"""

from cnnkit._lazy import lazy_exports

_LAZY = {"export": "export", "ExportError": "export", "results_json": "results", "Layout": "layout"}
__getattr__ = lazy_exports(__name__, _LAZY)
__all__ = [*_LAZY]
