"""nbgrader configuration for this course (the repository root is the course directory).

``solutions/`` is nbgrader's source, ``assignments/`` its release; submitted, autograded and
feedback folders and the gradebook live in the git-ignored ``autograder/work/``. Time limits,
the training-cell budget and hidden-test-free feedback come from ``cnnkit.grading.course``.
"""

from pathlib import Path

from cnnkit.grading.course import configure
from cnnkit.grading.limits import Limits

here = Path(__file__).resolve().parent
configure(c, root=here, source=here / "solutions", release=here / "assignments",  # noqa: F821 (nbgrader's config object)
          work=here / "autograder" / "work", limits=Limits())
