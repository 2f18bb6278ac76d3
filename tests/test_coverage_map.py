"""docs/coverage.md maps every topic of the lecture decks to the notebook cell that teaches it, or says why
it is not covered: every reference must name an existing assignment folder and cell (grade_id) of its
solution notebook, every row needs a reference or a reason, and every deck has its section."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "docs" / "coverage.md"
SEEDS = ROOT.parent / "shared" / "seeds"          # the decks, beside the repository
REFERENCE = re.compile(r"`(\d\d-[a-z0-9-]+):([^`\s]+)`")
NOT_COVERED = "not covered:"


def rows() -> list[tuple[str, str, str]]:
    """(section, topic, where) for every table row of the map."""
    out, section = [], ""
    for line in MAP.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("|") and not re.match(r"\|\s*(topic|-+)\s*\|", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            assert len(cells) == 2, f"docs/coverage.md: a row must have two columns (topic | where): {line}"
            out.append((section, cells[0], cells[1]))
    return out


@lru_cache(maxsize=None)
def cell_ids(folder: str) -> frozenset[str] | None:
    """The grade_ids of solutions/<folder>/<folder>.ipynb, or None when there is no such assignment."""
    notebook = ROOT / "solutions" / folder / f"{folder}.ipynb"
    if not notebook.is_file():
        return None
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return frozenset(c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells) - {None}


def test_the_map_has_one_section_per_deck_and_topics_in_each():
    sections = [line[3:] for line in MAP.read_text(encoding="utf-8").splitlines() if line.startswith("## Lecture ")]
    numbers = [re.match(r"Lecture (\d{3})", s).group(1) for s in sections]
    assert numbers == ["000", "001", "002", "003", "004"], sections
    if SEEDS.is_dir():  # the decks themselves: one section per deck, none missing
        decks = sorted(p.name[:3] for p in SEEDS.glob("*.txt"))
        assert numbers == decks, f"decks {decks}, sections {numbers}"
    per_section = {s: sum(1 for section, _, _ in rows() if section == s) for s in sections}
    assert all(n >= 10 for n in per_section.values()), per_section


def test_every_topic_has_a_reference_or_a_reason():
    bad = [topic for _, topic, where in rows()
           if not REFERENCE.search(where) and not where.lower().startswith(NOT_COVERED)]
    assert not bad, f"docs/coverage.md: rows with neither `NN-name:cell` nor 'not covered: reason': {bad}"
    reasons = [where for _, _, where in rows() if NOT_COVERED in where.lower()]
    assert all(len(w.lower().split(NOT_COVERED, 1)[1].strip()) > 10 for w in reasons), "a 'not covered' needs a reason"


def test_every_reference_names_an_existing_cell():
    missing, todo = [], []
    for section, topic, where in rows():
        for folder, cell in REFERENCE.findall(where):
            ids = cell_ids(folder)
            if cell == "TBD":
                todo.append(f"{folder}{'' if ids is not None else ' (no such assignment yet)'} ({topic})")
            elif ids is None:
                missing.append(f"{folder}:{cell} — no solutions/{folder}/{folder}.ipynb ({topic})")
            elif cell not in ids:
                missing.append(f"{folder}:{cell} — no cell with that grade_id ({topic})")
    assert not missing, "docs/coverage.md refers to cells that do not exist:\n  " + "\n  ".join(missing)
    assert not todo, ("docs/coverage.md still has cells to name (`NN-name:TBD` → the grade_id of the cell that "
                      "teaches it):\n  " + "\n  ".join(todo))
