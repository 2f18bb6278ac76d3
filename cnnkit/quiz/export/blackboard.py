"""Blackboard's tab-separated upload format: ``NUM`` (answer, tolerance) and ``FIB`` (accepted forms).

One file per student (Upload Questions reads one test or pool a file).
"""

from __future__ import annotations

from pathlib import Path

from cnnkit.quiz.export._text import answer_hint, one_line
from cnnkit.quiz.question import answer_forms


def row(q) -> str:
    text = one_line(q.plain_text() + answer_hint(q))
    if q.kind == "integer":
        return "\t".join(["NUM", text, str(q.answer), str(q.tolerance)])
    return "\t".join(["FIB", text, *answer_forms(q.answer, q.kind)])


def write(quiz, out_dir) -> list[Path]:
    folder = Path(out_dir) / "blackboard"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for student, questions in quiz.variants.items():
        path = folder / f"{student}.txt"
        path.write_text("".join(row(q) + "\n" for q in questions), encoding="utf-8")
        paths.append(path)
    return paths
