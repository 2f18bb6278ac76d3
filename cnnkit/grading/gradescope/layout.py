"""Where things are in Gradescope's container, and who may read them.

Gradescope unpacks the autograder zip into ``/autograder/source``, puts the student's upload in
``/autograder/submission`` and reads ``/autograder/results/results.json``; ``AUTOGRADER_ROOT`` moves
the whole tree (the tests simulate the container in a temporary folder, never the real path).
Inside the zip, ``course/`` is a course folder holding only the exported assignment: its source
notebook with the hidden tests, ``assignment.toml``, its instructor files (reference models), the
release made at export time and the gradebook that release recorded. ``lock_down`` makes the
source and the submission readable by root alone before any student code runs.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Layout", "LayoutError", "MANIFEST", "ROOT_ENV", "student_user", "referee_user", "DATA_DIR"]

ROOT_ENV = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
#: what the export knew (assignment, release, points, datasets), at the root of the zip
MANIFEST = "cnnkit-gradescope.json"
#: the unprivileged users: one runs the student's notebook, the other the referee
STUDENT_USER_ENV, DEFAULT_STUDENT_USER = "CNNKIT_STUDENT_USER", "cnnkit-student"
REFEREE_USER_ENV, DEFAULT_REFEREE_USER = "CNNKIT_REFEREE_USER", "cnnkit-referee"
#: the dataset cache inside the container: world-readable (the referee and notebooks read it)
DATA_DIR = "/opt/cnnkit-data"


class LayoutError(FileNotFoundError):
    """The autograder tree is not what the export wrote; the message names what is missing."""


def student_user() -> str:
    return os.environ.get(STUDENT_USER_ENV) or DEFAULT_STUDENT_USER


def referee_user() -> str:
    return os.environ.get(REFEREE_USER_ENV) or DEFAULT_REFEREE_USER


@dataclass(frozen=True)
class Layout:
    """The ``/autograder`` tree (or a stand-in for it)."""

    root: Path

    @classmethod
    def find(cls, root=None) -> "Layout":
        """``root``, else ``$AUTOGRADER_ROOT``, else ``/autograder``."""
        return cls(Path(root or os.environ.get(ROOT_ENV) or DEFAULT_ROOT).resolve())

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def results_json(self) -> Path:
        return self.results / "results.json"

    @property
    def course(self) -> Path:
        return self.source / "course"

    @property
    def release_dir(self) -> Path:
        return self.course / "release"

    @property
    def gradebook(self) -> Path:
        return self.course / "gradebook.db"

    def manifest(self) -> dict:
        path = self.source / MANIFEST
        if not path.is_file():
            raise LayoutError(f"{path}: missing — {self.source} is not a cnnkit autograder; build one with "
                              "`cnnkit grade export gradescope ASSIGNMENT` and upload that zip")
        return json.loads(path.read_text(encoding="utf-8"))

    def lock_down(self) -> None:
        """Source (hidden tests, solutions, reference models, gradebook) and submission: root only;
        results: written by root alone. Run as root, before any student code."""
        os.chmod(self.root, os.stat(self.root).st_mode & ~(stat.S_IWGRP | stat.S_IWOTH))
        for top in (self.source, self.submission):
            if top.is_dir():
                _private(top)
        self.results.mkdir(exist_ok=True)
        os.chown(self.results, 0, 0)
        os.chmod(self.results, 0o755)


def _private(top: Path) -> None:
    """Owner-only permissions on ``top`` and everything under it (symbolic links untouched)."""
    for folder, dirs, files in os.walk(top):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if not path.is_symlink():
                os.chmod(path, os.stat(path).st_mode & 0o700)
    os.chmod(top, 0o700)
