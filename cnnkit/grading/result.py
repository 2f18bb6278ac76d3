"""What grading one submission produces: scores per graded cell, a status, reasons and review flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["STATUSES", "STOP_STATUS", "Result"]

#: statuses, most serious first: a submission's status is the first one that applies
STATUSES = ("invalid-notebook", "missing-notebook", "memory", "processes", "disk", "timeout", "output",
            "missing-file", "old-release", "broken", "error", "ok")
#: why the sandbox stopped a run → the status it gives (the sandbox's own names, except a dead kernel)
STOP_STATUS = {"memory": "memory", "processes": "processes", "disk": "disk", "timeout": "timeout",
               "output": "output", "died": "error"}


@dataclass
class Result:
    """Outcome of grading one (student, assignment).

    ``reasons`` explain lost points or problems (they go to the report and the student's feedback);
    ``review`` holds integrity and tampering flags with their evidence, for the instructor only —
    they never change a score by themselves.
    """

    student: str
    assignment: str
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # notebook → grade_id → points
    manual_pending: dict[str, float] = field(default_factory=dict)     # grade_id → points awaiting a grader
    max_score: float = 0.0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)             # phase → seconds
    feedback: list[Path] = field(default_factory=list)
    autograded: Path | None = None
    sandboxed: bool = True

    @property
    def score(self) -> float:
        return sum(sum(cells.values()) for cells in self.scores.values())

    def flag(self, status: str, reason: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; known: {STATUSES}")
        if STATUSES.index(status) < STATUSES.index(self.status):
            self.status = status
        if reason:
            self.reasons.append(reason)

    def as_dict(self, relative_to: Path | None = None) -> dict:
        rel = (lambda p: str(Path(p).relative_to(relative_to))) if relative_to else str
        return {"student": self.student, "assignment": self.assignment, "status": self.status,
                "score": self.score, "max_score": self.max_score, "seconds": self.seconds,
                "scores": self.scores, "manual_pending": self.manual_pending, "reasons": self.reasons,
                "review": self.review, "sandboxed": self.sandboxed, "phases": self.phases,
                "feedback": [rel(f) for f in self.feedback]}
