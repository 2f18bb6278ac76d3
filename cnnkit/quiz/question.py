"""One quiz question with its answer key, and the answer forms a student may type."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from cnnkit.quiz.errors import QuizError

__all__ = ["Question", "format_answer", "parse_answer", "answer_forms", "KINDS"]

# integer: one count (parameters, MACs, a size); shape: H x W x C in order; set: layer numbers, any order.
KINDS = ("integer", "shape", "set")


@dataclass
class Question:
    """A question: its stem, optional layer table, the key and the formula that explains the key."""

    family: str
    level: str
    stem: str
    answer: int | tuple[int, ...]
    kind: str = "integer"
    explanation: str = ""
    unit: str = ""
    tolerance: int = 0  # absolute, for cost (MAC) questions
    source: str = ""  # the lecture a "lectures" question comes from
    input_shape: tuple[int, ...] | None = None
    layers: list[dict] = field(default_factory=list)  # the layer table (cnnkit.quiz.layers specs)
    table: bool = False  # render ``layers`` as a numbered table (else they are written in the stem)
    check: str = ""  # what the Keras cross-check compares (see cnnkit.quiz.verify)
    meta: dict = field(default_factory=dict)  # family-specific facts the cross-check needs
    id: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise QuizError(f"question kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "integer":
            if isinstance(self.answer, bool) or not isinstance(self.answer, int) or self.answer < 1:
                raise QuizError(f"{self.family}: the answer must be a positive integer, got {self.answer!r}")
        else:
            ans = tuple(self.answer)
            if not ans or any(isinstance(a, bool) or not isinstance(a, int) or a < 1 for a in ans):
                raise QuizError(
                    f"{self.family}: a {self.kind} answer must be positive integers, got {self.answer!r}"
                )
            if self.kind == "shape" and len(ans) != 3:
                raise QuizError(f"{self.family}: a shape answer is H x W x C (3 numbers), got {ans!r}")
            self.answer = tuple(sorted(ans)) if self.kind == "set" else ans
        if self.tolerance < 0:
            raise QuizError(f"tolerance must be >= 0, got {self.tolerance}")
        if self.input_shape is not None:
            self.input_shape = tuple(int(d) for d in self.input_shape)

    @property
    def answer_text(self) -> str:
        return format_answer(self.answer, self.kind)

    def plain_text(self) -> str:
        """The stem with the layer table written inline, for formats without tables (LMS files)."""
        from cnnkit.quiz.layers import describe

        if not (self.table and self.layers):
            return self.stem
        rows = "; ".join(f"({i}) {describe(spec)}" for i, spec in enumerate(self.layers, 1))
        return f"{self.stem} Layers: {rows}."

    def to_dict(self) -> dict:
        d = asdict(self)
        d["answer"] = list(self.answer) if isinstance(self.answer, tuple) else self.answer
        d["input_shape"] = list(self.input_shape) if self.input_shape else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Question":
        d = dict(d)
        if isinstance(d.get("answer"), list):
            d["answer"] = tuple(d["answer"])
        return cls(**d)


def format_answer(answer, kind: str) -> str:
    """The canonical written form: ``14x14x32`` for shapes, ``2, 5`` for sets, ``120422400`` for counts."""
    if kind == "shape":
        return "x".join(str(a) for a in answer)
    if kind == "set":
        return ", ".join(str(a) for a in answer)
    return str(answer)


def answer_forms(answer, kind: str) -> list[str]:
    """Equivalent written forms an LMS short-answer question should accept."""
    if kind == "integer":
        return [str(answer)]
    nums = [str(a) for a in answer]
    forms = ["x".join(nums), " x ".join(nums), ", ".join(nums), ",".join(nums), "(" + ", ".join(nums) + ")"]
    if kind == "shape":
        forms.append("×".join(nums))
    return list(dict.fromkeys(forms))


_NUMBER = re.compile(r"^[+]?\d{1,3}(?:[,_ ]\d{3})+$|^[+]?\d+$")
_SEPARATORS = re.compile(r"\s*(?:[x×X*,;]|\s)\s*")


def parse_answer(text: str, kind: str):
    """Read a student's answer; returns None when it is blank, raises ValueError when unreadable.

    Shapes accept ``14x14x32``, ``(14, 14, 32)``, ``14 x 14 x 32``, ``[14,14,32]`` and a leading
    ``None`` batch axis as Keras prints it; counts accept ``12,443,648`` and ``12443648``.
    """
    s = (text or "").strip()
    if not s:
        return None
    if kind == "integer":
        s = s.replace("\u202f", " ")
        if not _NUMBER.match(s):
            raise ValueError(f"expected a whole number such as 12443648, got {text!r}")
        return int(re.sub(r"[,_ +]", "", s))
    inner = s.strip("()[]{} ")
    parts = [p for p in _SEPARATORS.split(inner) if p]
    if kind == "shape" and parts and parts[0].lower() == "none":
        parts = parts[1:]
    if not parts or not all(p.isdigit() for p in parts):
        example = "14x14x32" if kind == "shape" else "2, 5"
        raise ValueError(f"expected numbers such as {example}, got {text!r}")
    values = tuple(int(p) for p in parts)
    return tuple(sorted(set(values))) if kind == "set" else values
