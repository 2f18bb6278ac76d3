"""PDF for paper through matplotlib's PdfPages (always installed): ``quiz.pdf`` and ``answers.pdf``."""

from __future__ import annotations

import textwrap
from pathlib import Path

from cnnkit.quiz.export._text import answer_hint
from cnnkit.quiz.layers import describe

_LINES_PER_PAGE, _WIDTH = 58, 95


def _quiz_lines(quiz, student) -> list[str]:
    lines = [quiz.title + ("" if student == "all" else f" — student {student}"), ""]
    for n, q in enumerate(quiz.variants[student], 1):
        lines += textwrap.wrap(f"{n}. {q.stem}{answer_hint(q)}", _WIDTH, subsequent_indent="   ")
        if q.table and q.layers:
            lines += [f"     ({i}) {describe(spec)}" for i, spec in enumerate(q.layers, 1)]
        lines += ["   Answer: ______________________", ""]
    return lines


def _answer_lines(quiz, student) -> list[str]:
    lines = [f"Answer key — {quiz.title}" + ("" if student == "all" else f" — student {student}"), ""]
    for n, q in enumerate(quiz.variants[student], 1):
        ans = q.answer_text + (f" ± {q.tolerance}" if q.tolerance else "")
        lines += textwrap.wrap(f"{n}. {ans} — {q.explanation}", _WIDTH, subsequent_indent="   ")
        if q.source:
            lines += textwrap.wrap(f"source: {q.source}", _WIDTH, initial_indent="   ", subsequent_indent="   ")
    return lines


def _pages(pdf, lines):
    import matplotlib.pyplot as plt

    for start in range(0, max(len(lines), 1), _LINES_PER_PAGE):
        fig = plt.figure(figsize=(8.27, 11.69))  # A4
        fig.text(0.06, 0.96, "\n".join(lines[start:start + _LINES_PER_PAGE]), va="top", ha="left",
                 family="DejaVu Sans", fontsize=8.5, linespacing=1.45)
        pdf.savefig(fig)
        plt.close(fig)


def write(quiz, out_dir) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages

    paths = []
    for name, lines_of in (("quiz.pdf", _quiz_lines), ("answers.pdf", _answer_lines)):
        path = Path(out_dir) / name
        # No creation date: a regenerated quiz gives the same bytes.
        with PdfPages(path, metadata={"Title": f"{quiz.title} ({name[:-4]})", "CreationDate": None}) as pdf:
            for student in quiz.variants:
                _pages(pdf, lines_of(quiz, student))
        paths.append(path)
    return paths
