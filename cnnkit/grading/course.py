"""The course directory: its assignment folders, and nbgrader configured from them.

A course is a folder holding ``nbgrader_config.py`` and ``solutions/`` (nbgrader's source), one folder
per assignment: ``solutions/<NN-name>/`` with the notebook as text (``<NN-name>.pct.py``) and as
``.ipynb``, its ``assignment.toml`` and its own files; ``instructor/`` inside it is never released.
``assignments/`` is the generated release; grading work goes to ``autograder/work/``. Nothing here
knows any particular assignment: everything comes from the folders.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cnnkit.checks.assignment import CONFIG_NAME, AssignmentConfig, load_config
from cnnkit.grading.authoring.pairing import TEXT_SUFFIX, Pair
from cnnkit.grading.gradebook import create_gradebook

__all__ = ["COURSE_ID", "INSTRUCTOR_DIR", "Course", "Assignment", "CourseError", "configure", "config_text",
           "nbgrader", "sqlite_url", "ensure_tools_on_path", "release"]

COURSE_ID = "cnnkit"
#: a folder inside an assignment that nbgrader never releases (calibration models, instructor notes)
INSTRUCTOR_DIR = "instructor"
#: files of an assignment folder that never reach students
NEVER_RELEASED = [f"*{TEXT_SUFFIX}", INSTRUCTOR_DIR]


class CourseError(FileNotFoundError):
    """No course, or no such assignment; the message says where it looked and what exists."""


@dataclass(frozen=True)
class Assignment:
    """One assignment folder: its notebook pair and its ``assignment.toml``."""

    name: str
    folder: Path
    course: "Course"

    @functools.cached_property
    def config(self) -> AssignmentConfig:
        return load_config(self.folder, self.name)

    @property
    def pair(self) -> Pair:
        return Pair(self.name, self.folder)

    @property
    def notebook(self) -> Path:
        """The nbgrader source notebook (``<name>.ipynb``)."""
        return self.folder / f"{self.name}.ipynb"

    @property
    def notebook_name(self) -> str:
        return self.name

    @property
    def instructor(self) -> Path:
        return self.folder / INSTRUCTOR_DIR

    @property
    def release_folder(self) -> Path:
        """Where the committed student release of this assignment lives."""
        return self.course.release_dir / self.name


@dataclass(frozen=True)
class Course:
    """A course directory; ``Course.find()`` looks for it from the current folder upwards."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "solutions"

    @property
    def release_dir(self) -> Path:
        return self.root / "assignments"

    @property
    def work(self) -> Path:
        return self.root / "autograder" / "work"

    @property
    def examples(self) -> Path:
        return self.root / "autograder" / "examples"

    @classmethod
    def find(cls, start=None) -> "Course":
        """The nearest folder at or above ``start`` (default: the current folder) with ``solutions/``
        and ``nbgrader_config.py``."""
        start = Path(start or Path.cwd()).resolve()
        for folder in (start, *start.parents):
            if (folder / "solutions").is_dir() and (folder / "nbgrader_config.py").is_file():
                return cls(folder)
        raise CourseError(f"no course directory at or above {start}: run this inside the course folder "
                          "(the one holding solutions/ and nbgrader_config.py) or pass --course DIR")

    def names(self) -> list[str]:
        """Assignment folders: sub-folders of ``solutions/`` that hold an ``assignment.toml``."""
        if not self.source.is_dir():
            return []
        return sorted(p.name for p in self.source.iterdir() if (p / CONFIG_NAME).is_file())

    def assignments(self, names=None) -> list[Assignment]:
        return [self.assignment(n) for n in (names or self.names())]

    def assignment(self, name: str) -> Assignment:
        folder = self.source / name
        if not (folder / CONFIG_NAME).is_file():
            known = ", ".join(self.names()) or "none"
            hint = (f"{folder} has no {CONFIG_NAME}" if folder.is_dir() else f"no folder {folder}")
            raise CourseError(f"assignment {name!r}: {hint} (known: {known}); "
                              f"`cnnkit assignment new {name}` scaffolds one")
        return Assignment(name, folder, self)


def sqlite_url(path: str | os.PathLike) -> str:
    return f"sqlite:///{Path(path).resolve()}"


def configure(c, *, root, source=None, release=None, work=None, db_url=None) -> None:
    """Set nbgrader's CourseDirectory on config object ``c`` (the course's ``nbgrader_config.py`` calls it).

    Used for releasing (``generate_assignment``), formgrader and ``export``; grading runs through
    ``cnnkit grade run``, which applies the same preprocessors with a sandboxed executor.
    """
    root = Path(root)
    course = Course(root)
    source = Path(source) if source else course.source
    work = Path(work) if work else course.work
    ensure_tools_on_path()  # nbgrader's gradebook runs `alembic`, found only if the venv is on PATH
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = str(source)
    c.CourseDirectory.release_directory = str(release or course.release_dir)
    c.CourseDirectory.submitted_directory = str(work / "submitted")
    c.CourseDirectory.autograded_directory = str(work / "autograded")
    c.CourseDirectory.feedback_directory = str(work / "feedback")
    # formgrader looks for an exchange; cnnkit collects submissions itself, so an empty one suffices
    c.Exchange.root = str(work / "exchange")
    (work / "exchange").mkdir(parents=True, exist_ok=True)
    if db_url is None:
        work.mkdir(parents=True, exist_ok=True)  # SQLite will not create the folder of its file
    c.CourseDirectory.db_url = db_url or sqlite_url(work / "gradebook.db")
    # model files and notebooks may be larger than nbgrader's 100 KB default (hand-in limits are ours)
    c.CourseDirectory.max_file_size = 50_000
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*", *NEVER_RELEASED]


def config_text(**options) -> str:
    """An ``nbgrader_config.py`` that calls ``configure`` with these (repr-able) options."""
    args = ", ".join(f"{k}={str(v)!r}" for k, v in options.items())
    return f"from cnnkit.grading.course import configure\nconfigure(c, {args})\n"


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


def release(course: Course, names=None, *, release_dir=None, db_url=None) -> list[Path]:
    """Regenerate the student release with ``nbgrader generate_assignment``.

    Refuses an assignment whose text source and ``.ipynb`` disagree (naming the sync command), so
    an edit made in either is never released half-way. Records the cells in ``db_url`` (a
    throw-away SQLite file if None). Returns the release folders.
    """
    release_dir = Path(release_dir or course.release_dir).resolve()
    assignments = course.assignments(names)
    if not assignments:
        raise CourseError(f"no assignments in {course.source}: expected folders with an {CONFIG_NAME}; "
                          "`cnnkit assignment new 01-example` scaffolds one")
    for a in assignments:
        a.config  # validates assignment.toml before anything is written
        a.pair.require_in_sync()
    with tempfile.TemporaryDirectory(prefix="cnnkit-release-") as tmp:
        url = db_url or sqlite_url(Path(tmp) / "gradebook.db")
        create_gradebook(url)  # here, so nbgrader finds it made and starts no `alembic` process
        # One nbgrader process releases them all: its start-up (about 5 s, mostly imports) is paid once,
        # not per assignment. Its source is a folder of links to just the wanted assignments, so the
        # assignment glob "*" means exactly those.
        source = Path(tmp, "source")
        source.mkdir()
        for a in assignments:
            (source / a.name).symlink_to(a.folder.resolve(), target_is_directory=True)
        Path(tmp, "nbgrader_config.py").write_text(
            config_text(root=tmp, source=source, release=release_dir, work=tmp, db_url=url))
        done = nbgrader(["generate_assignment", "*", "--force"], cwd=tmp)
        if done.returncode != 0:
            log = done.stdout + done.stderr
            failed = {*re.findall(r"error processing assignment '([^']+)'", log),
                      *(Path(p).name for p in re.findall(r"Removing failed assignment: (\S+)", log))}
            which = ", ".join(sorted(failed)) or ", ".join(a.name for a in assignments)
            raise RuntimeError(f"nbgrader generate_assignment failed for {which}:\n{log}")
    return [release_dir / a.name for a in assignments]
