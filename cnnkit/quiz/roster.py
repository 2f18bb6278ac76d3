"""Read a class roster: a CSV with a ``student`` column (extra columns such as ``name`` are kept aside)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from cnnkit.quiz.errors import QuizError

__all__ = ["read_roster", "check_student_id"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
ID_COLUMNS = ("student", "username", "id", "login")


def read_header(reader, path, example: str) -> tuple[list[str], list[str], int]:
    """A CSV's header as read, lower-cased, and the index of its student-id column.

    ``example`` is the header to suggest (e.g. ``"student,name"``) when it is missing or malformed.
    """
    header = next(reader, None)
    if not header:
        raise QuizError(f"{path} line 1: expected a header '{example}', found an empty file")
    cols = [h.strip().lower() for h in header]
    column = next((cols.index(c) for c in ID_COLUMNS if c in cols), None)
    if column is None:
        raise QuizError(f"{path} line 1: expected a 'student' column in the header, found {header!r}; "
                        f"the header is '{example}'")
    return header, cols, column


def check_student_id(student: str, where: str = "") -> str:
    """Student ids name files (one quiz per student), so keep them to letters, digits and ``_.@-``."""
    if not _ID.match(student or ""):
        raise QuizError(f"{where}student id {student!r} is not usable: expected letters, digits and _.@- "
                        "(e.g. ada or ada.lovelace), found other characters; fix the roster")
    return student


def read_roster(path) -> list[str]:
    """Student ids in roster order; QuizError naming the file and line for anything malformed."""
    path = Path(path)
    if not path.is_file():
        raise QuizError(f"roster {path} not found: expected a CSV with a 'student' column")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header, _, column = read_header(reader, path, "student,name")
        students: list[str] = []
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise QuizError(f"{path} line {line_no}: expected {len(header)} fields ({', '.join(header)}), "
                                f"found {len(row)}: {row!r}")
            student = row[column].strip()
            where = f"{path} line {line_no}: "
            check_student_id(student, where)
            if student in students:
                raise QuizError(f"{where}student {student!r} is listed twice (first on line "
                                f"{students.index(student) + 2}); remove one")
            students.append(student)
    if not students:
        raise QuizError(f"{path}: the roster lists no students (only a header)")
    return students
