"""Before a submission runs: the grader's own copy of what will execute.

Nothing the student sent is trusted except the text of their answer cells (and their own extra
cells). Every cell nbgrader knows is rebuilt from the course: metadata (points, checksums, flags) from
the fresh release, and the source of every locked cell — tests with their hidden part — from the
source notebook. Deleted cells come back, duplicates are dropped, a notebook from an older release is
named as such, files are size-checked, and only the declared hand-in files (plus the release's own
files) go into the sandbox.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cnnkit.grading.cell_ids import PROVIDED_ID_PREFIX, TEST_ID_PREFIX
from cnnkit.grading.course import Assignment
from cnnkit.grading.result import Result

__all__ = ["TrustedAssignment", "Prepared", "prepare", "grade_id"]

MB = 1024 * 1024


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is(cell, flag: str) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get(flag))


@dataclass
class TrustedAssignment:
    """What the grader knows about one assignment, built once per batch from the course itself."""

    assignment: Assignment
    source_nb: nbformat.NotebookNode       # the instructor's notebook: solutions and hidden tests
    release_nb: nbformat.NotebookNode      # nbgrader's fresh release: checksums, no hidden tests
    release_files: dict[str, Path] = field(default_factory=dict)  # released beside the notebook
    release_folder: Path | None = None     # the fresh release it was built from

    @classmethod
    def build(cls, assignment: Assignment, release_folder: Path) -> "TrustedAssignment":
        name = assignment.name
        release_folder = Path(release_folder)
        files = {p.name: p for p in sorted(release_folder.iterdir())
                 if p.is_file() and p.name != f"{name}.ipynb"}
        return cls(assignment, nbformat.read(assignment.notebook, as_version=4),
                   nbformat.read(release_folder / f"{name}.ipynb", as_version=4), files, release_folder)

    @property
    def name(self) -> str:
        return self.assignment.name

    @property
    def graded(self) -> dict[str, float]:
        """grade_id → points of every graded cell (tests and manually graded answers)."""
        return {grade_id(c): float(c.metadata["nbgrader"].get("points", 0)) for c in self.source_nb.cells
                if _is(c, "grade")}

    @property
    def tests(self) -> list[str]:
        return [grade_id(c) for c in self.source_nb.cells if _is(c, "grade") and not _is(c, "solution")]

    @property
    def manual(self) -> list[str]:
        return [grade_id(c) for c in self.source_nb.cells if _is(c, "grade") and _is(c, "solution")]

    def answer_cells(self) -> list[str]:
        return [grade_id(c) for c in self.source_nb.cells if _is(c, "solution")]


@dataclass
class Prepared:
    """The notebook the grader will run and the files that go into the sandbox with it."""

    nb: nbformat.NotebookNode
    files: dict[str, Path]                 # name inside the sandbox folder → host file
    answers: dict[str, str]                # answer cell grade_id → the student's source
    extra_cells: list[str]                 # the student's own (non-nbgrader) code cells, in order
    undeclared: list[str]                  # files handed in that are not declared (never copied)


def prepare(trusted: TrustedAssignment, folder: Path, result: Result) -> Prepared | None:
    """The grader's copy of ``folder``'s notebook, ready to run; None when nothing can run (the
    reason is recorded in ``result``)."""
    config = trusted.assignment.config
    folder = Path(folder)
    name = trusted.name
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        found = ", ".join(sorted(p.name for p in folder.glob("*.ipynb"))) or "no notebook"
        result.flag("missing-notebook", f"{name}.ipynb: not submitted (found: {found}) — every graded cell scores 0")
        return None
    size = path.stat().st_size
    if size > config.handin.notebook_max_mb * MB:
        result.flag("invalid-notebook", f"{name}.ipynb is {size / MB:.1f} MB, over the "
                                        f"{config.handin.notebook_max_mb:g} MB limit — clear the outputs "
                                        "(Kernel → Restart Kernel and Clear Outputs), save and resubmit")
        return None
    try:
        submitted = nbformat.reads(path.read_text(encoding="utf-8", errors="strict"), as_version=4)
        if not isinstance(submitted.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:  # anything unreadable is the student's zero, never the batch's crash
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        result.flag("invalid-notebook", f"{name}.ipynb is not a valid notebook ({first}) — it cannot be "
                                        "opened, so every graded cell scores 0; re-download your notebook "
                                        "from JupyterLab (File → Download) and resubmit")
        return None
    _check_release(submitted, trusted, result)
    nb, answers, extra = _rebuild(submitted, trusted, result)
    files, undeclared = _files(folder, trusted, result)
    return Prepared(nb, files, answers, extra, undeclared)


def _check_release(submitted, trusted: TrustedAssignment, result: Result) -> None:
    current = trusted.assignment.config.release
    meta = submitted.get("metadata", {}).get("cnnkit", {})
    made_on = meta.get("release") if isinstance(meta, dict) else None
    if made_on == current:
        return
    known = {grade_id(c) for c in trusted.release_nb.cells if grade_id(c)}
    have = {grade_id(c) for c in submitted.cells if isinstance(c, dict) and grade_id(c)}
    changes = []
    if known - have:
        changes.append("cells new since then: " + ", ".join(sorted(known - have)))
    if have - known:
        changes.append("cells since removed: " + ", ".join(sorted(have - known)))
    what = f"release {made_on}" if isinstance(made_on, int) else "an earlier release (no release number)"
    result.flag("old-release", f"made on {what}, current is release {current}"
                               + (f" ({'; '.join(changes)})" if changes else "")
                               + " — graded against the current tests; download the current release, copy "
                                 "your answers into it and resubmit")


def _rebuild(submitted, trusted: TrustedAssignment, result: Result):
    """The student's notebook with every nbgrader cell rebuilt from the course (see module docstring)."""
    source = {grade_id(c): c for c in trusted.source_nb.cells if grade_id(c)}
    release = {grade_id(c): c for c in trusted.release_nb.cells if grade_id(c)}
    order = [grade_id(c) for c in trusted.source_nb.cells if grade_id(c)]
    cells = [c for c in submitted.cells if isinstance(c, dict) and c.get("cell_type") in ("code", "markdown", "raw")]
    # a graded id that appears more than once: like nbgrader, the last copy counts
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        gid = grade_id(cell)
        if gid in source:
            seen.setdefault(gid, 0)
            seen[gid] += 1
    last = {gid: max(i for i, c in enumerate(cells) if grade_id(c) == gid) for gid in seen}
    for gid, count in seen.items():
        if count > 1 and gid in trusted.graded or count > 1 and _is(source[gid], "solution"):
            result.flag("broken", f"cell '{gid}' appears {count} times — only the last copy is graded")
    out, answers, extra = [], {}, []
    placed: set[str] = set()
    for i, cell in enumerate(cells):
        gid = grade_id(cell)
        if gid in source and i == last[gid]:
            out.append(_trusted_cell(cell, source[gid], release.get(gid)))
            placed.add(gid)
            if _is(source[gid], "solution"):
                answers[gid] = out[-1].source
        elif cell.get("cell_type") == "code":  # the student's own cell (or a stray copy): runs as plain code
            plain = nbformat.v4.new_code_cell(_text(cell.get("source", "")))
            out.append(plain)
            extra.append(plain.source)
        elif cell.get("cell_type") == "markdown":
            out.append(nbformat.v4.new_markdown_cell(_text(cell.get("source", ""))))
    for gid in order:  # put back what was deleted, after the cell that preceded it in the course's notebook
        if gid in placed:
            continue
        original = source[gid]
        if _is(original, "grade") or _is(original, "solution"):
            kind = "test" if not _is(original, "solution") else "answer"
            extra_note = " and graded" if kind == "test" else " unanswered: its tests score 0"
            result.flag("broken", f"{kind} cell '{gid}' was deleted — restored from the course{extra_note}")
        before = order[: order.index(gid)]
        at = max((j + 1 for j, c in enumerate(out) if grade_id(c) in before), default=0)
        restored = _trusted_cell(release.get(gid) or original, original, release.get(gid))
        out.insert(at, restored)
        placed.add(gid)
    nb = nbformat.v4.new_notebook(cells=out, metadata=copy.deepcopy(trusted.release_nb.metadata))
    for index, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if gid and not _is(cell, "solution") and cell.cell_type == "code":
            prefix = TEST_ID_PREFIX if _is(cell, "grade") else PROVIDED_ID_PREFIX
            cell["id"] = f"{prefix}{index}"
        else:
            cell["id"] = f"cell-{index}"
    return nb, answers, extra


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _trusted_cell(submitted, source_cell, release_cell):
    """One nbgrader cell as the grader runs it: the course's metadata; the student's text only for answers."""
    kind = source_cell.cell_type
    meta = copy.deepcopy((release_cell or source_cell).metadata)
    if _is(source_cell, "solution"):
        text = _text(submitted.get("source", "")) if submitted.get("cell_type") == kind else \
            _text((release_cell or source_cell).get("source", ""))
    else:
        text = source_cell.source  # locked: the course's text, hidden tests included
    if kind == "code":
        return nbformat.v4.new_code_cell(text, metadata=meta)
    return nbformat.v4.new_markdown_cell(text, metadata=meta)


def _files(folder: Path, trusted: TrustedAssignment, result: Result):
    """Declared hand-in files (size-checked) and the release's own files; undeclared ones stay out."""
    config = trusted.assignment.config
    files: dict[str, Path] = dict(trusted.release_files)
    for name in config.handin.files:
        path = folder / name
        if not path.is_file():
            result.flag("missing-file", f"{name}: not handed in — the checks that need it score 0; the "
                                        "notebook's training cell saves it beside the notebook")
            continue
        size = path.stat().st_size
        if size > config.handin.max_mb * MB:
            result.flag("missing-file", f"{name} is {size / MB:.1f} MB, over the {config.handin.max_mb:g} MB "
                                        "limit — it was not graded; save the model the notebook builds "
                                        "(nothing larger) and resubmit")
            continue
        files[name] = path
    expected = {f"{trusted.name}.ipynb", *config.handin.files}
    undeclared = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                        if p.is_file() and str(p.relative_to(folder)) not in expected
                        and ".ipynb_checkpoints" not in p.parts)
    return files, undeclared
