"""``cnnkit assignment new NAME``: a new assignment folder that releases and grades as it is.

It holds the text source (one question, its visible and hidden tests), ``assignment.toml`` and the
paired ``.ipynb``; the instructor edits either form in JupyterLab or an editor.
"""

from __future__ import annotations

import re
from pathlib import Path

from cnnkit.checks.setup import SETUP_CELL
from cnnkit.grading.authoring.pairing import Pair, TEXT_SUFFIX
from cnnkit.grading.course import Course

__all__ = ["NAME_PATTERN", "new_assignment"]

NAME_PATTERN = re.compile(r"^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")

_NB = "nbgrader={{\"grade\": {grade}, \"grade_id\": \"{id}\", \"locked\": {locked},{points} \"schema_version\": 3, \"solution\": {solution}, \"task\": false}}"


def _header(kind: str, gid: str, *, grade=False, locked=True, solution=False, points=None) -> str:
    meta = _NB.format(grade=str(grade).lower(), id=gid, locked=str(locked).lower(),
                      points=f" \"points\": {points}," if points is not None else "",
                      solution=str(solution).lower())
    return f"# %% [markdown] {meta}" if kind == "markdown" else f"# %% {meta}"


def _text(title: str, minutes: int) -> str:
    return "\n".join([
        _header("markdown", "intro"),
        f"# # {title}",
        "#",
        f"# **3 points · about {minutes} minutes · hand in this notebook.** Fill in the cells marked",
        "# `# YOUR CODE HERE`, then run the tests below each one: a failing test says what it expected,",
        "# what it got and why.",
        "",
        _header("code", "setup-kit"),
        SETUP_CELL,
        "",
        _header("code", "setup"),
        "from cnnkit.checks import check_value",
        "",
        _header("markdown", "q1-md"),
        "# **Q1.** Write `double(x)`, which returns twice `x`.",
        "",
        _header("code", "double", locked=False, solution=True),
        "def double(x):",
        "    ### BEGIN SOLUTION",
        "    return 2 * x",
        "    ### END SOLUTION",
        "",
        _header("code", "test_double", grade=True, points=3),
        'check_value(double(2), 4, "double(2)", why="twice 2 is 4")',
        "### BEGIN HIDDEN TESTS",
        'check_value(double(-7), -14, "double(-7)", why="twice -7 is -14")',
        "### END HIDDEN TESTS",
        "",
    ])


def _toml(title: str, minutes: int) -> str:
    return f'''# Everything about this assignment that is not the notebook itself (read by the notebook, the
# grader and `cnnkit assignment check`). The notebook's intro states `minutes` and the points.
title = "{title}"
tensorflow = false # true when the notebook imports TensorFlow/Keras (its first cell then starts it quietly)
datasets = []      # e.g. ["fashion_mnist"]: the first cell checks they are installed
release = 1        # bump whenever a released notebook changes: older submissions are then reported as such
minutes = {minutes}

[handin]
files = []         # files handed in besides the notebook, e.g. ["model.keras"]
notebook_max_mb = 5

[limits]           # seconds per cell / per cell tagged "training" / per submission; MB of memory
cell_timeout = 60
training_timeout = 600
submission_timeout = 900
memory_mb = 2048

# A graded model file, measured by the referee outside the student's kernel (then run
# `cnnkit assignment calibrate NAME`):
# [[trained]]
# test = "test_trained_model"
# file = "model.keras"
# dataset = "fashion_mnist"
'''


def new_assignment(course: Course, name: str, title: str | None = None, minutes: int = 60) -> Path:
    """Create ``solutions/<name>/`` with a one-question notebook; returns the folder."""
    if not NAME_PATTERN.match(name):
        raise ValueError(f"assignment name {name!r}: expected two digits, a dash and lower-case words, "
                         "e.g. 11-my-topic")
    folder = course.source / name
    if folder.exists():
        raise FileExistsError(f"{folder} already exists — pick another name or edit it")
    title = title or name[3:].replace("-", " ").capitalize()
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(_toml(title, minutes), encoding="utf-8")
    (folder / f"{name}{TEXT_SUFFIX}").write_text(_text(title, minutes), encoding="utf-8")
    Pair(name, folder).sync("text", release=1)
    return folder
