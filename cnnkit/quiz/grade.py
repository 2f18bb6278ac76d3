"""Grade a responses CSV against a key: equivalent answer forms accepted, each wrong answer explained.

The CSV has a header ``student,q1,q2,...`` (question ids from the key; other columns such as ``name``
are ignored) and one row per student. Answers containing commas are quoted: ``"(14, 14, 32)"``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.make import DEFAULT_VARIANT, Quiz, load_key
from cnnkit.quiz.question import Question, format_answer, parse_answer
from cnnkit.quiz.roster import read_header

__all__ = ["grade", "grade_answer", "GradeReport", "StudentResult", "Mark"]


@dataclass
class Mark:
    """One answer: its score (0 or 1) and, when wrong, what was expected and the formula why."""

    question: str
    response: str
    correct: bool
    feedback: str = ""


@dataclass
class StudentResult:
    student: str
    marks: list[Mark]
    line: int | None = None  # the responses line; None when the student has no row

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)


@dataclass
class GradeReport:
    quiz: Quiz
    results: list[StudentResult]
    problems: list[str] = field(default_factory=list)  # rows that could not be graded, by line

    def write_csv(self, path) -> Path:
        """``student, q1..qN (1/0), score, max, percent``, one row per student of the key."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        ids = self.quiz.question_ids
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["student", *ids, "score", "max", "percent"])
            for r in self.results:
                writer.writerow([r.student, *(int(m.correct) for m in r.marks), r.score, len(ids),
                                 f"{100 * r.score / len(ids):.1f}"])
        return path

    def feedback(self) -> str:
        """Markdown feedback: each student's score and an explanation of every wrong answer."""
        lines = [f"# Feedback — {self.quiz.title}", ""]
        for r in self.results:
            lines += [f"## {r.student}: {r.score}/{len(r.marks)}", ""]
            if r.line is None:
                lines += ["No answers were found for this student in the responses file.", ""]
                continue
            wrong = [m for m in r.marks if not m.correct]
            lines += [f"- {m.question}: {m.feedback}" for m in wrong] or ["All answers are correct."]
            lines.append("")
        if self.problems:
            lines += ["## Rows that were not graded", ""] + [f"- {p}" for p in self.problems] + [""]
        return "\n".join(lines)


def grade_answer(q: Question, response: str) -> Mark:
    """Mark one response; the feedback of a wrong one names the expected answer and the formula."""
    expected = format_answer(q.answer, q.kind) + (f" (± {q.tolerance})" if q.tolerance else "")
    try:
        value = parse_answer(response, q.kind)
    except ValueError as exc:
        return Mark(q.id, response, False, f"could not read the answer: {exc}; expected {expected} — {q.explanation}")
    if value is None:
        return Mark(q.id, response, False, f"no answer; expected {expected} — {q.explanation}")
    if q.kind == "integer":
        ok = abs(value - q.answer) <= q.tolerance
    else:
        ok = tuple(value) == tuple(q.answer)
    if ok:
        return Mark(q.id, response, True)
    got = format_answer(value, q.kind)
    hint = ""
    if q.kind == "shape" and len(value) == 3 and value[2] == q.answer[2] and value[:2] != q.answer[:2]:
        hint = " (the depth is right; check the height and width)"
    elif q.kind == "shape" and len(value) == 3 and value[:2] == q.answer[:2]:
        hint = " (the height and width are right; check the depth)"
    return Mark(q.id, response, False, f"expected {expected}, got {got}{hint} — {q.explanation}")


def _variant(quiz: Quiz, student: str) -> list[Question] | None:
    if student in quiz.variants:
        return quiz.variants[student]
    if list(quiz.variants) == [DEFAULT_VARIANT]:  # one quiz for everyone
        return quiz.variants[DEFAULT_VARIANT]
    return None


def grade(key, responses, strict: bool = False) -> GradeReport:
    """Grade ``responses`` (CSV path) against ``key`` (path or :class:`Quiz`).

    Rows that cannot be graded (wrong number of fields, unknown or repeated student) are listed in
    ``problems`` with their line and skipped; ``strict=True`` raises QuizError on the first instead.
    """
    quiz = key if isinstance(key, Quiz) else load_key(key)
    path = Path(responses)
    if not path.is_file():
        raise QuizError(f"responses file {path} not found")
    ids = quiz.question_ids
    problems: list[str] = []
    by_student: dict[str, tuple[int, dict[str, str]]] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header, cols, student_col = read_header(reader, path, f"student,{','.join(ids)}")
        q_cols = {c: i for i, c in enumerate(cols) if c.startswith("q") and c[1:].isdigit()}
        unknown = sorted(set(q_cols) - set(ids), key=lambda c: int(c[1:]))
        if unknown:
            raise QuizError(f"{path} line 1: question column(s) {', '.join(unknown)} are not in the key, "
                            f"which has {ids[0]}..{ids[-1]}; is this the key of this quiz?")
        missing = [q for q in ids if q not in q_cols]
        if missing:
            problems.append(f"{path} line 1: no column for {', '.join(missing)}; those answers count as blank")
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            problem = None
            student = row[student_col].strip() if len(row) > student_col else ""
            if len(row) != len(header):
                problem = (f"{path} line {line_no}: expected {len(header)} fields ({', '.join(header)}), "
                           f"found {len(row)}; quote answers that contain commas, e.g. \"(14, 14, 32)\"")
            elif not student:
                problem = f"{path} line {line_no}: the student column is empty"
            elif _variant(quiz, student) is None:
                problem = (f"{path} line {line_no}: unknown student {student!r}, not in the key "
                           f"({len(quiz.variants)} students); check the roster the quiz was made with")
            elif student in by_student:
                problem = (f"{path} line {line_no}: student {student!r} already answered on line "
                           f"{by_student[student][0]}; this row is ignored")
            if problem:
                if strict:
                    raise QuizError(problem)
                problems.append(problem)
                continue
            by_student[student] = (line_no, {c: row[i] for c, i in q_cols.items()})
    results = []
    students = quiz.students if list(quiz.variants) != [DEFAULT_VARIANT] else list(by_student)
    for student in students:
        line, answers = by_student.get(student, (None, {}))
        marks = [grade_answer(q, answers.get(q.id, "")) for q in _variant(quiz, student)]
        results.append(StudentResult(student, marks, line))
    return GradeReport(quiz, results, problems)
