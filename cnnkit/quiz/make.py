"""Build a quiz: seeded per-student variants, every key cross-checked against Keras."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from cnnkit.quiz import families as _families
from cnnkit.quiz.errors import QuizError
from cnnkit.quiz.families._base import LEVELS
from cnnkit.quiz.question import Question

__all__ = ["Quiz", "make_quiz", "generate", "load_key", "load_specs", "KEY_FORMAT"]

KEY_FORMAT = "cnnkit-quiz-key"
DEFAULT_VARIANT = "all"  # the single variant of a quiz made without a roster
MAX_TRIES = 200


@dataclass
class Quiz:
    """A quiz: its settings and, per student, the questions (ids q1, q2, ...) with their keys."""

    title: str
    families: list[str]
    level: str
    count: int
    seed: int
    variants: dict[str, list[Question]]
    mac_tolerance: float = 0.0
    verified: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def students(self) -> list[str]:
        return list(self.variants)

    @property
    def question_ids(self) -> list[str]:
        return [q.id for q in next(iter(self.variants.values()))]

    def to_dict(self) -> dict:
        return {"format": KEY_FORMAT, "version": 1, "title": self.title, "families": self.families,
                "level": self.level, "count": self.count, "seed": self.seed,
                "mac_tolerance": self.mac_tolerance, "verified": self.verified, "notes": self.notes,
                "students": {s: [q.to_dict() for q in qs] for s, qs in self.variants.items()}}

    def save_key(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def load_key(path) -> Quiz:
    """Read a key.json written by :meth:`Quiz.save_key`."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuizError(f"answer key {path} not found; `cnnkit quiz make ... --out DIR` writes DIR/key.json") from None
    except json.JSONDecodeError as exc:
        raise QuizError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
        raise QuizError(f"{path}: expected a cnnkit quiz key (format {KEY_FORMAT!r}), found something else")
    variants = {s: [Question.from_dict(q) for q in qs] for s, qs in data["students"].items()}
    return Quiz(data["title"], data["families"], data["level"], data["count"], data["seed"], variants,
                data.get("mac_tolerance", 0.0), data.get("verified", False), data.get("notes", []))


def generate(family: str, level: str, count: int, rng: random.Random) -> list[Question]:
    """``count`` distinct questions of one family at one level (lectures: a sample of the worked examples)."""
    fam = _families.get(family)
    if level not in LEVELS:
        raise QuizError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    if level == "lectures":
        pool = fam.lectures()
        return rng.sample(pool, min(count, len(pool)))
    out, seen, tries = [], set(), 0
    while len(out) < count:
        tries += 1
        if tries > MAX_TRIES * count:
            raise QuizError(f"{family}/{level}: could not find {count} distinct questions; ask for fewer")
        try:
            q = fam.generate(rng, level)
        except QuizError:
            continue  # an impossible layer was drawn: draw again
        key = (q.stem, json.dumps(q.layers, sort_keys=True))
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out


def make_quiz(families, level: str = "easy", count: int = 5, seed: int = 0, students=None,
              title: str | None = None, mac_tolerance: float = 0.0, verify: bool = True,
              extra: list[Question] | None = None) -> Quiz:
    """Every student gets ``count`` questions per family with their own numbers.

    The variant of a student depends only on (seed, student, family, level): adding a student to
    the roster does not change anyone else's quiz. ``mac_tolerance`` is relative (0.01 = 1%) and
    applies to MAC questions only. ``extra`` questions (from a spec file) go to everyone.
    """
    if isinstance(families, str):
        families = [f.strip() for f in families.split(",") if f.strip()]
    families = list(_families.names()) if families in (["all"], []) else list(families)
    for f in families:
        _families.get(f)
    if count < 1:
        raise QuizError(f"count must be at least 1, got {count}")
    if not 0 <= mac_tolerance < 1:
        raise QuizError(f"mac tolerance is a fraction of the answer (0.01 = 1%), got {mac_tolerance}")
    students = list(students) if students else [DEFAULT_VARIANT]
    notes = []
    if level == "lectures":
        for f in families:
            available = len(_families.get(f).lectures())
            if count > available:
                notes.append(f"{f}: the lectures have {available} worked examples; using all {available}, "
                             f"not {count}")
    variants = {}
    for student in students:
        questions = []
        for f in families:
            rng = random.Random(f"cnnkit-quiz:{seed}:{student}:{f}:{level}")
            questions += generate(f, level, count, rng)
        questions += [Question.from_dict(q.to_dict()) for q in (extra or [])]
        for i, q in enumerate(questions, 1):
            q.id = f"q{i}"
            if q.unit == "MACs" and mac_tolerance:
                q.tolerance = round(q.answer * mac_tolerance)
        variants[student] = questions
    if verify:
        from cnnkit.quiz.verify import verify as check

        for qs in variants.values():
            for q in qs:
                check(q)
    title = title or f"CNN quiz: {', '.join(families)} ({level})"
    return Quiz(title, families, level, count, seed, variants, mac_tolerance, verify, notes)


def load_specs(path) -> list[Question]:
    """Questions from explicit numbers, one JSON object a line, e.g.
    ``{"family": "output_shape", "input": [28, 28, 1], "layer": {"type": "conv", "filters": 16, "kernel": 5}}``.
    """
    path = Path(path)
    if not path.is_file():
        raise QuizError(f"question spec file {path} not found")
    out = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path} line {line_no}"
        try:
            spec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuizError(f"{where}: not valid JSON ({exc.msg}); one question per line, e.g. "
                            '{"family": "output_shape", "input": [28, 28, 1], "layer": {...}}') from None
        if not isinstance(spec, dict) or "family" not in spec:
            raise QuizError(f"{where}: expected an object with a 'family' key, found {line.strip()!r}")
        kwargs = {k: v for k, v in spec.items() if k != "family"}
        try:
            out.append(_families.get(spec["family"]).from_spec(**kwargs, level="custom"))
        except QuizError as exc:
            raise QuizError(f"{where}: {exc}") from None
        except TypeError as exc:
            raise QuizError(f"{where}: {exc} — see `cnnkit quiz families` for each family's fields") from None
    return out
