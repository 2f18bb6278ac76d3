"""Time and memory budgets for grading deep-learning notebooks.

nbgrader's 30 s per-cell default is far too short for a training cell, so a cell tagged
``training`` gets its own budget, and a whole submission has a ceiling enforced from outside.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: cell tag that gives a cell the (larger) training budget
TRAINING_TAG = "training"


@dataclass(frozen=True)
class Limits:
    """Budgets for one submission: seconds per cell, per training cell, per submission; MB of RAM."""

    cell_timeout: int = 120
    training_timeout: int = 900
    submission_timeout: int = 1800
    memory_limit_mb: int = 4096

    def __post_init__(self):
        for name, value in asdict(self).items():
            if value is None or value <= 0:
                raise ValueError(
                    f"Limits.{name}: expected a positive number, got {value!r} — "
                    f"pass e.g. --{name.replace('_', '-').removesuffix('-mb')} 60"
                )

    def cell_budget(self, tags) -> int:
        """The per-cell timeout for a cell with these tags."""
        return self.training_timeout if TRAINING_TAG in (tags or ()) else self.cell_timeout

    def as_dict(self) -> dict:
        return asdict(self)
