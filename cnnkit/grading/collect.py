"""Find the submissions to grade: a folder ``<student>/<assignment>/...`` or an LMS zip.

An LMS zip follows nbgrader's ``zip_collect`` conventions: every file name carries the student
and the original file name (Moodle: ``<student>_<id>_assignsubmission_file_<file>``), matched
by nbgrader's ``FileNameCollectorPlugin`` with a named regular expression.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: ``{files}`` is replaced by the assignment's known file names (escaped, ``|``-joined)
DEFAULT_ZIP_REGEX = r"^(?P<student_id>[^_/]+)_(?:.*_)?(?P<file_id>{files})$"


@dataclass(frozen=True)
class Submission:
    """One student's files for one assignment."""

    student: str
    assignment: str
    path: Path


def from_folder(root, assignments=None) -> list[Submission]:
    """Submissions laid out as ``root/<student>/<assignment>/``; only ``assignments`` if given."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"submissions: expected a folder <student>/<assignment>/ or a .zip, "
                                f"got {root} (does not exist)")
    wanted = set(assignments) if assignments else None
    found = []
    for student in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for folder in sorted(p for p in student.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if wanted is None or folder.name in wanted:
                found.append(Submission(student.name, folder.name, folder))
    return found


def from_zip(archive, assignment: str, dest, known_files, regex: str | None = None) -> list[Submission]:
    """Unpack an LMS zip for ``assignment`` into ``dest/<student>/<assignment>/`` and list it.

    ``regex`` is nbgrader's ``FileNameCollectorPlugin.named_regexp`` (groups ``student_id`` and
    ``file_id``); by default a Moodle-like ``<student>_<anything>_<file>`` where ``<file>`` is one
    of ``known_files``.
    """
    from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

    if not assignment:
        raise ValueError("an LMS zip holds one assignment: pass --assignment NAME")
    if regex is None:
        regex = DEFAULT_ZIP_REGEX.format(files="|".join(re.escape(f) for f in sorted(known_files)))
    suffixes = sorted({PurePosixPath(f).suffix for f in known_files} | {".ipynb"})
    plugin = FileNameCollectorPlugin(named_regexp=regex, valid_ext=suffixes)
    dest = Path(dest)
    students: dict[str, Path] = {}
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or name.is_absolute() or ".." in name.parts or name.name.startswith("."):
                continue
            match = plugin.collect(name.name)
            if not match:
                continue
            folder = dest / match["student_id"] / assignment
            target = folder / PurePosixPath(match["file_id"]).name
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            students[match["student_id"]] = folder
    if not students:
        raise ValueError(f"{archive}: no file name matched {regex!r} — expected names like "
                         f"'ada_12345_assignsubmission_file_{sorted(known_files)[0]}'; "
                         f"set the pattern with --zip-regex")
    return [Submission(s, assignment, p) for s, p in sorted(students.items())]
