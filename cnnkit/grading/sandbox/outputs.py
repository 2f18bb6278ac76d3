"""Caps on what a notebook's outputs may store in the grader, applied as each output arrives.

Per cell and per notebook: stream text past the cap is cut (the cell then ends with an
``[output truncated: N bytes over the per-cell limit]`` note); rich outputs that do not fit are
dropped (and counted in the note); error outputs are kept but shortened once over the cap, so a
failing test still shows as failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nbformat.v4 import new_output

#: error outputs kept in short form once the cap is reached, per cell
ERRORS_OVER_CAP = 3
#: what every output costs besides its text, so that a flood of empty outputs also runs out
OVERHEAD = 100


@dataclass(frozen=True)
class OutputLimits:
    """Characters of output (≈ bytes) kept per cell and per notebook."""

    per_cell_bytes: int = 1_000_000
    per_notebook_bytes: int = 10_000_000

    def __post_init__(self):
        for name in ("per_cell_bytes", "per_notebook_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"OutputLimits.{name}: expected a positive whole number, got {value!r}")


def _size(msg_type: str, content: dict) -> int:
    if msg_type == "stream":
        return OVERHEAD + len(content.get("text", ""))
    if msg_type == "error":
        return OVERHEAD + len(str(content.get("evalue", ""))) + sum(map(len, content.get("traceback", [])))
    data = content.get("data", {})
    return OVERHEAD + sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())


class OutputBudget:
    """Decides, output by output, what of a cell's output the grader keeps."""

    def __init__(self, limits: OutputLimits):
        self.limits = limits
        self.notebook_used = 0
        self.start_cell()

    def start_cell(self) -> None:
        self.cell_used = 0
        self.dropped = 0  # characters cut or outputs' sizes dropped in this cell
        self.dropped_outputs = 0
        self.errors_over = 0
        self.bound = "per-cell"

    def _left(self) -> int:
        cell = self.limits.per_cell_bytes - self.cell_used
        book = self.limits.per_notebook_bytes - self.notebook_used
        if book < cell:
            self.bound = "notebook's"
        return max(0, min(cell, book))

    def admit(self, msg_type: str, content: dict) -> dict | None:
        """The content to keep for this output (maybe cut), or None to drop it."""
        size = _size(msg_type, content)
        left = self._left()
        if size <= left:
            self._use(size)
            return content
        if msg_type == "stream":
            text = content.get("text", "")
            keep = max(0, left - OVERHEAD)
            self._use(left)
            self.dropped += len(text) - keep
            return {**content, "text": text[:keep]} if keep else None
        if msg_type == "error":
            self.errors_over += 1
            if self.errors_over > ERRORS_OVER_CAP:
                self.dropped += size
                return None
            lines = [line[:200] for line in content.get("traceback", [])[-5:]]
            self.dropped += max(0, size - 1200)
            return {**content, "evalue": str(content.get("evalue", ""))[:200], "traceback": lines}
        self.dropped += size
        self.dropped_outputs += 1
        return None

    def _use(self, n: int) -> None:
        self.cell_used += n
        self.notebook_used += n

    def note(self):
        """The output that tells the student what was cut in this cell, or None."""
        if not self.dropped:
            return None
        text = f"\n[output truncated: {self.dropped} bytes over the {self.bound} limit"
        if self.dropped_outputs:
            text += f"; {self.dropped_outputs} output(s) dropped"
        return new_output("stream", name="stdout", text=text + "]\n")
