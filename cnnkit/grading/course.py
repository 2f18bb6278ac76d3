"""The nbgrader course directory: where things live and how nbgrader is configured.

The repository root is the course: ``solutions/<assignment>/`` is nbgrader's source,
``assignments/<assignment>/`` its release, and the work folders (submitted, autograded,
feedback, gradebook) sit in the git-ignored ``autograder/work/``. ``configure`` is the one
place that sets nbgrader's options; the root ``nbgrader_config.py`` and every grading
worker call it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from cnnkit.grading.limits import Limits

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO_ROOT / "solutions"
ASSIGNMENTS = REPO_ROOT / "assignments"
AUTOGRADER = REPO_ROOT / "autograder"
WORK = AUTOGRADER / "work"
EXAMPLES = AUTOGRADER / "examples"

#: files (besides the notebook) a submission must contain; missing → that check scores zero
REQUIRED_FILES: dict[str, tuple[str, ...]] = {"03-first-cnn": ("fashion_cnn.keras",)}
COURSE_ID = "cnnkit"


def sqlite_url(path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def configure(c, *, root, source=SOLUTIONS, release=ASSIGNMENTS, work=WORK, db_url=None,
              limits: Limits | None = None) -> None:
    """Set nbgrader's CourseDirectory, time limits and preprocessors on config object ``c``."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute, GetGrades
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor

    from cnnkit.grading.execute import TaggedExecute
    from cnnkit.grading.feedback import HideHiddenTests

    limits = limits or Limits()
    work = Path(work)
    ensure_tools_on_path()  # nbgrader's gradebook runs `alembic`, found only if the venv is on PATH
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = str(source)
    c.CourseDirectory.release_directory = str(release)
    c.CourseDirectory.submitted_directory = str(work / "submitted")
    c.CourseDirectory.autograded_directory = str(work / "autograded")
    c.CourseDirectory.feedback_directory = str(work / "feedback")
    if db_url is None:
        work.mkdir(parents=True, exist_ok=True)  # SQLite will not create the folder of its file
    c.CourseDirectory.db_url = db_url or sqlite_url(work / "gradebook.db")
    # model files, data and notebooks may be larger than nbgrader's 100 KB default
    c.CourseDirectory.max_file_size = 50_000
    # the student's own model file must survive autograde's copy of the source files
    c.Autograde.exclude_overwriting = {a: list(files) for a, files in REQUIRED_FILES.items()}

    c.Execute.timeout = limits.cell_timeout
    c.TaggedExecute.training_timeout = limits.training_timeout
    c.Execute.interrupt_on_timeout = True
    default = Autograde().autograde_preprocessors
    c.Autograde.autograde_preprocessors = [TaggedExecute if p is Execute else p for p in default]
    c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]


def config_text(**options) -> str:
    """An ``nbgrader_config.py`` that calls ``configure`` with these (repr-able) options."""
    limits = options.pop("limits", None)
    args = ", ".join(f"{k}={str(v)!r}" for k, v in options.items())
    lim = f"Limits(**{limits.as_dict()!r})" if limits else "None"
    return (
        "from cnnkit.grading.course import configure\n"
        "from cnnkit.grading.limits import Limits\n"
        f"configure(c, {args}, limits={lim})\n"
    )


def ensure_tools_on_path() -> None:
    """Put this interpreter's ``bin/`` on PATH: nbgrader's Gradebook shells out to ``alembic``."""
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path


def nbgrader(args: list[str], cwd, timeout: float | None = None, env=None) -> subprocess.CompletedProcess:
    """Run the real ``nbgrader`` command (this interpreter's) in course directory ``cwd``."""
    ensure_tools_on_path()
    cmd = [sys.executable, "-m", "nbgrader", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def assignment_names(source=SOLUTIONS) -> list[str]:
    """Assignments in the source folder: sub-folders holding a notebook."""
    source = Path(source)
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def release(assignments=None, *, source=SOLUTIONS, release_dir=ASSIGNMENTS, db_url=None) -> list[Path]:
    """Regenerate the student release from ``source`` with ``nbgrader generate_assignment``.

    Also records the assignments' cells in ``db_url`` (a throw-away SQLite file if None).
    """
    source, release_dir = Path(source).resolve(), Path(release_dir).resolve()
    names = list(assignments) if assignments else assignment_names(source)
    if not names:
        raise FileNotFoundError(f"no assignments in {source}: expected sub-folders with notebooks, "
                                f"e.g. {source}/01-example/01-example.ipynb")
    with tempfile.TemporaryDirectory(prefix="cnnkit-release-") as tmp:
        url = db_url or sqlite_url(Path(tmp) / "gradebook.db")
        Path(tmp, "nbgrader_config.py").write_text(
            config_text(root=tmp, source=source, release=release_dir, work=tmp, db_url=url))
        for name in names:
            if not (source / name).is_dir():
                raise FileNotFoundError(f"assignment {name!r}: no folder {source / name}; "
                                        f"known: {', '.join(assignment_names(source)) or 'none'}")
            done = nbgrader(["generate_assignment", name, "--force"], cwd=tmp)
            if done.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{done.stdout}{done.stderr}")
    return [release_dir / n for n in names]
