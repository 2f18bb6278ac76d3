"""Write a quiz to the LMS and to paper: GIFT, Moodle XML, Canvas (text2qti), Blackboard, Markdown, PDF.

Each writer module has ``write(quiz, out_dir) -> list[Path]``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from cnnkit.quiz.errors import QuizError

__all__ = ["FORMATS", "export"]

FORMATS = {"gift": "gift", "xml": "moodle_xml", "canvas": "canvas", "blackboard": "blackboard",
           "markdown": "markdown", "pdf": "pdf"}


def export(quiz, formats, out_dir) -> dict[str, list[Path]]:
    """Write ``quiz`` in each format (a list or ``"gift,xml"``; ``"all"`` for every one) under ``out_dir``."""
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    if not formats or formats == ["all"]:
        formats = list(FORMATS)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise QuizError(f"unknown export format {', '.join(unknown)}; expected some of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {f: importlib.import_module(f"cnnkit.quiz.export.{FORMATS[f]}").write(quiz, out_dir) for f in formats}
