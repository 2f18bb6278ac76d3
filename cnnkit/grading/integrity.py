"""Integrity flags for review, with their evidence — never a score change by themselves.

Across a batch: two students whose hand-in models have the same weights (compared weight by weight
through the referee's digest, not by file bytes), or whose notebooks give the same answers; a model
with the weights of one of the course's own files (calibration models, the sample class's models);
an accuracy above the reference's best by more than the margin (flagged while grading).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

__all__ = ["flag", "course_model_files"]

#: fewer answered cells, or less answer text, than this is too little to call two notebooks "the same":
#: short answers to short questions coincide honestly
MIN_ANSWERS, MIN_CHARACTERS = 3, 400


def course_model_files(course, assignments) -> dict[Path, str]:
    """The course's own model files a student could copy (those of ``assignments``, and the sample
    class's) → how to name them in a flag."""
    files = {}
    for a in assignments:
        for check in a.config.trained:
            for model in (check.threshold.models if check.threshold else ()):
                files[a.folder / model] = f"the course's calibration model {a.name}/{model}"
    models = course.examples / "models"
    if models.is_dir():
        for path in sorted(models.rglob("*.keras")):
            files[path] = f"the sample class's model {path.relative_to(course.examples)}"
    return files


def flag(results, ctx, submissions, course) -> None:
    by_key = {(r.student, r.assignment): r for r in results}
    _same_models(by_key, ctx, course)
    _same_answers(by_key, ctx)


def _same_models(by_key, ctx, course) -> None:
    if ctx.referee is None or not ctx.digests:
        return
    known, owner = {}, {}
    models = course.examples / "models"
    for path, label in course_model_files(course, [t.assignment for t in ctx.trusted.values()]).items():
        if path.is_file():
            digest = ctx.referee.digest(path)
            if digest:
                known.setdefault(digest, label)
                if path.is_relative_to(models):  # models/<student>/<assignment>/<file>
                    owner.setdefault(digest, path.relative_to(models).parts[0])
    groups = defaultdict(list)
    for (student, assignment, file), digest in ctx.digests.items():
        groups[(assignment, file, digest)].append(student)
        # a sample student handing in their own sample file is the sample class being graded, not a copy
        if digest in known and owner.get(digest) != student and (student, assignment) in by_key:
            by_key[student, assignment].review.append(
                f"{file}: same weights as {known[digest]} (weights digest {digest[:12]})")
    for (assignment, file, digest), students in groups.items():
        if len(students) < 2:
            continue
        for student in students:
            others = ", ".join(s for s in sorted(students) if s != student)
            by_key[student, assignment].review.append(
                f"{file}: same weights as {others}'s (weights digest {digest[:12]}; compared weight by weight)")


def _same_answers(by_key, ctx) -> None:
    groups = defaultdict(list)
    for (student, assignment), answers in ctx.answers.items():
        trusted = ctx.trusted[assignment]
        release = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in trusted.release_nb.cells}
        answered = {g: s for g, s in answers.items() if _norm(s) != _norm(release.get(g, ""))}
        if len(answered) < MIN_ANSWERS or sum(len(_norm(s)) for s in answered.values()) < MIN_CHARACTERS:
            continue
        digest = hashlib.sha256(repr(sorted((g, _norm(s)) for g, s in answered.items())).encode()).hexdigest()
        groups[(assignment, digest)].append((student, len(answered)))
    for (assignment, _), members in groups.items():
        if len(members) < 2:
            continue
        for student, count in members:
            others = ", ".join(s for s, _ in sorted(members) if s != student)
            by_key[student, assignment].review.append(
                f"notebook: the same answers as {others}'s in all {count} answered cells")


def _norm(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines() if line.strip())
