"""Shared wording for the writers: question titles and one-line texts."""

from __future__ import annotations

import re


def title(q) -> str:
    return f"{q.id} {q.family}"


def one_line(text: str) -> str:
    """Collapse tabs and newlines (tab-separated and line-based formats cannot hold them)."""
    return " ".join(str(text).split())


def answer_hint(q) -> str:
    if q.kind == "shape":
        return " Answer as H x W x C, e.g. 14x14x32."
    if q.kind == "set":
        return " Answer with the layer numbers in increasing order, separated by commas."
    return ""


def category(quiz, student: str) -> str:
    """Moodle question-bank category of one student's variant: ``$course$/cnnkit/<title>/<student>``."""
    slug = re.sub(r"[^A-Za-z0-9_ .-]+", "-", quiz.title).strip(" -")
    return f"$course$/cnnkit/{slug}/{student}"
