"""Per graded cell, what a student may be told: its points, its score and the messages of the run.

Messages are read from the autograded notebook, which ``grade_one`` writes after screening every
output: a message here is what the feedback page shows — a failed check's ``Name: message`` (never
its traceback, which quotes source lines), the referee's and the grader's verdicts, what the cell
printed — never hidden-test or solution source, never a path of the grading machine. Titles come
from the course's notebook: the section heading above the cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cnnkit.grading.prepare import TrustedAssignment, grade_id
from cnnkit.grading.result import Result

__all__ = ["Outcome", "outcomes", "cell_messages", "section_titles"]

#: characters of printed text kept per cell (a check's message is short; a flood is not a message)
MAX_PRINTED = 2000
_HEADING = re.compile(r"^(#{2,6})\s+(.+?)\s*#*\s*$")


@dataclass(frozen=True)
class Outcome:
    """One graded cell: a test (scored by the grader's run and verdicts) or a manually graded answer."""

    grade_id: str
    title: str                  # the section heading above the cell ("" when there is none)
    kind: str                   # "test" or "manual"
    points: float
    score: float
    hidden: bool = False        # the test has hidden checks: its outcome tells something about them
    referee: bool = False       # its points come from the referee's measurement of a hand-in file
    messages: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.kind == "test" and self.score >= self.points


def section_titles(nb) -> dict[str, str]:
    """grade_id → the nearest heading (level 2 or deeper) of a markdown cell above it."""
    titles, current = {}, ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _HEADING.match(line.strip())
                if match:
                    current = match.group(2)
        gid = grade_id(cell)
        if gid:
            titles[gid] = current
    return titles


def cell_messages(cell) -> list[str]:
    """A cell's outputs as messages: ``Name: message`` per error, what it printed on stdout."""
    messages = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "error":
            ename, evalue = output.get("ename", "Error"), str(output.get("evalue", "")).strip()
            messages.append(f"{ename}: {evalue}" if evalue else ename)
        elif kind == "stream" and output.get("name") == "stdout":
            text = _text(output.get("text", "")).strip()
            if text:
                messages.append(text if len(text) <= MAX_PRINTED else text[:MAX_PRINTED] + " …[cut]")
    return messages


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def outcomes(trusted: TrustedAssignment, result: Result) -> list[Outcome]:
    """Every graded cell of ``trusted``, in notebook order, with ``result``'s scores and the messages of
    the autograded notebook (none when nothing could run: the result's reasons say why)."""
    executed = {}
    if result.autograded is not None:
        path = Path(result.autograded) / f"{trusted.assignment.notebook_name}.ipynb"
        if path.is_file():
            executed = {grade_id(c): c for c in nbformat.read(path, as_version=4).cells if grade_id(c)}
    scores = result.scores.get(trusted.assignment.notebook_name, {})
    titles = section_titles(trusted.source_nb)
    refereed = {check.test for check in trusted.assignment.config.trained}
    manual = set(trusted.manual)
    out = []
    for gid, points in trusted.graded.items():
        source = next(c for c in trusted.source_nb.cells if grade_id(c) == gid)
        out.append(Outcome(
            gid, titles.get(gid, ""), "manual" if gid in manual else "test", points, float(scores.get(gid, 0.0)),
            hidden="BEGIN HIDDEN TESTS" in source.source, referee=gid in refereed,
            messages=[] if gid in manual or gid not in executed else cell_messages(executed[gid])))
    return out
