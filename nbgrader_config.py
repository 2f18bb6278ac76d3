"""nbgrader configuration for this course (the repository root is the course directory).

``solutions/<assignment>/`` is nbgrader's source, ``assignments/`` its release; submitted, autograded and
feedback folders and the gradebook live in the git-ignored ``autograder/work/``. Each assignment's
text source and ``instructor/`` folder are never released (``cnnkit.grading.course.configure``).
"""

from pathlib import Path

from cnnkit.grading.course import configure

configure(c, root=Path(__file__).resolve().parent)  # noqa: F821 (nbgrader's config object)
