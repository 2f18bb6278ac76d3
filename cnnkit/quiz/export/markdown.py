"""Markdown for paper: ``quiz.md`` (one section per student) and a separate ``answers.md``."""

from __future__ import annotations

from pathlib import Path

from cnnkit.quiz.export._text import answer_hint
from cnnkit.quiz.layers import describe


def _md(text: str) -> str:
    return str(text).replace("*", "\\*").replace("_", "\\_").replace("|", "\\|")


def question(q, n: int) -> list[str]:
    lines = [f"**{n}.** {_md(q.stem + answer_hint(q))}", ""]
    if q.table and q.layers:
        lines += ["| # | layer |", "|---|---|"]
        lines += [f"| {i} | {_md(describe(spec))} |" for i, spec in enumerate(q.layers, 1)]
        lines.append("")
    lines += ["Answer: ______________________", ""]
    return lines


def render_quiz(quiz) -> str:
    lines = [f"# {_md(quiz.title)}", ""]
    for i, (student, questions) in enumerate(quiz.variants.items()):
        if i:
            lines += ['<div style="page-break-after: always"></div>', ""]
        if student != "all":
            lines += [f"## Student: {_md(student)}", ""]
        for n, q in enumerate(questions, 1):
            lines += question(q, n)
    return "\n".join(lines)


def render_answers(quiz) -> str:
    lines = [f"# Answer key — {_md(quiz.title)}", "",
             f"Level {quiz.level}, seed {quiz.seed}; families: {', '.join(quiz.families)}.",
             "Every key was cross-checked against Keras when it was generated." if quiz.verified
             else "These keys were NOT cross-checked against Keras (generated with --no-verify).", ""]
    for student, questions in quiz.variants.items():
        if student != "all":
            lines += [f"## Student: {_md(student)}", ""]
        lines += ["| # | answer | why | source |", "|---|---|---|---|"]
        for n, q in enumerate(questions, 1):
            ans = q.answer_text + (f" ± {q.tolerance}" if q.tolerance else "")
            lines.append(f"| {n} | **{ans}** | {_md(q.explanation)} | {_md(q.source)} |")
        lines.append("")
    return "\n".join(lines)


def write(quiz, out_dir) -> list[Path]:
    quiz_md, answers_md = Path(out_dir) / "quiz.md", Path(out_dir) / "answers.md"
    quiz_md.write_text(render_quiz(quiz) + "\n", encoding="utf-8")
    answers_md.write_text(render_answers(quiz) + "\n", encoding="utf-8")
    return [quiz_md, answers_md]

