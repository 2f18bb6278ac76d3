"""``cnnkit assignment check``: everything that must hold before an assignment is released or graded.

Per assignment folder: ``assignment.toml`` is valid and agrees with the notebook (graded cells it names
exist and are of the right kind, hand-in files are mentioned); text source and ``.ipynb`` say the same;
the ``.ipynb`` has no outputs, carries the release number, and has sound nbgrader metadata (unique
ids, points on graded cells, locked tests, solution markers); the intro states the points, the
expected time, the hand-in files and — for trained checks — the calibrated pass mark; calibration
models exist; and the committed release is what ``nbgrader generate_assignment`` makes now.
"""

from __future__ import annotations

import filecmp
import json
import re
import tempfile
from pathlib import Path

import nbformat

from cnnkit.checks.assignment import ConfigError
from cnnkit.grading.authoring.pairing import PairingError
from cnnkit.grading.course import Assignment, Course, release

__all__ = ["problems", "check_course"]


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def problems(assignment: Assignment) -> list[str]:
    """Everything wrong with one assignment (empty when it is ready), each with the fix."""
    out = []
    try:
        config = assignment.config
    except ConfigError as exc:
        return [str(exc)]
    try:
        assignment.pair.require_in_sync()
    except PairingError as exc:
        return [str(exc)]
    nb = nbformat.read(assignment.notebook, as_version=4)
    where = assignment.notebook.name
    out += _metadata_problems(nb, where)
    release_meta = nb.metadata.get("cnnkit", {}).get("release")
    if release_meta != config.release:
        out.append(f"{where}: carries release {release_meta}, assignment.toml says {config.release} — run "
                   f"`cnnkit assignment sync {assignment.name}`")
    dirty = [i + 1 for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
    if dirty:
        out.append(f"{where}: cells {dirty} have outputs — run `cnnkit assignment sync {assignment.name}` (it strips them)")
    cells = {_meta(c).get("grade_id"): c for c in nb.cells if _meta(c).get("grade_id")}
    tests = {g for g, c in cells.items() if _meta(c).get("grade") and not _meta(c).get("solution")}
    answers = {g for g, c in cells.items() if _meta(c).get("solution")}
    for check in config.trained:
        if check.test not in tests:
            out.append(f"assignment.toml: [[trained]] test {check.test!r} is not a test cell of {where} "
                       f"(tests: {', '.join(sorted(tests))})")
        if check.threshold is None:
            out.append(f"assignment.toml: [[trained]] {check.test!r} has no calibrated pass mark — run "
                       f"`cnnkit assignment calibrate {assignment.name}`")
        else:
            for model in check.threshold.models:
                if not (assignment.folder / model).is_file():
                    out.append(f"assignment.toml: calibration model {model} is missing — run "
                               f"`cnnkit assignment calibrate {assignment.name}`")
    for rule in config.from_scratch:
        for g in rule.answers:
            if g not in answers:
                out.append(f"assignment.toml: [[from_scratch]] answer {g!r} is not an answer cell of {where}")
        for g in rule.tests:
            if g not in tests:
                out.append(f"assignment.toml: [[from_scratch]] test {g!r} is not a test cell of {where}")
    out += _stated_facts(assignment, nb)
    out += _setup_cell(assignment, nb)
    return out


def _setup_cell(assignment: Assignment, nb) -> list[str]:
    """The first code cell is the kit's standard set-up cell, word for word (students fix their environment there)."""
    from cnnkit.checks.setup import SETUP_CELL

    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    if first is None or _meta(first).get("grade_id") != "setup-kit" or first.source.strip() != SETUP_CELL.strip():
        return [f"{assignment.name}: the first code cell must be the standard set-up cell (grade_id 'setup-kit', "
                "locked, text = cnnkit.checks.setup.SETUP_CELL) — `cnnkit assignment new` writes it"]
    return []


def _metadata_problems(nb, where: str) -> list[str]:
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    out, seen = [], set()
    validator = MetadataValidator()
    for index, cell in enumerate(nb.cells):
        meta = _meta(cell)
        if not meta:
            continue
        gid = meta.get("grade_id")
        label = f"{where} cell {index + 1} ('{gid}')"
        try:
            validator.validate_cell(cell)
        except ValidationError as exc:
            out.append(f"{label}: invalid nbgrader metadata: {exc}")
            continue
        if gid in seen:
            out.append(f"{label}: grade_id used twice — every nbgrader cell needs its own id")
        seen.add(gid)
        if meta.get("grade") and not float(meta.get("points", 0)) > 0:
            out.append(f"{label}: graded but worth {meta.get('points', 0)} points — give it points or make it ungraded")
        if meta.get("grade") and not meta.get("solution"):
            if cell.cell_type != "code":
                out.append(f"{label}: a test cell must be a code cell")
            if not meta.get("locked"):
                out.append(f"{label}: a test cell must be locked (read-only) so students cannot edit it")
            begins = cell.source.count("### BEGIN HIDDEN TESTS")
            if begins != cell.source.count("### END HIDDEN TESTS"):
                out.append(f"{label}: unbalanced ### BEGIN/END HIDDEN TESTS markers")
        if meta.get("solution") and cell.cell_type == "code" and "### BEGIN SOLUTION" not in cell.source:
            out.append(f"{label}: an answer cell without ### BEGIN SOLUTION / ### END SOLUTION — students "
                       "would get the solution")
    return out


def _stated_facts(assignment: Assignment, nb) -> list[str]:
    """What the intro promises students must match the config: points, minutes, hand-in, pass mark."""
    config = assignment.config
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    intro = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    total = sum(float(_meta(c).get("points", 0)) for c in nb.cells if _meta(c).get("grade"))
    out = []
    if not re.search(rf"\b{total:g} points\b", intro):
        out.append(f"{assignment.name}: the intro does not state the total, {total:g} points")
    if config.minutes and not re.search(rf"\b{config.minutes}\s*minutes\b|\b{config.minutes / 60:g}\s*hours?\b", intro):
        out.append(f"{assignment.name}: the intro does not state the expected time ({config.minutes} minutes "
                   "in assignment.toml)")
    for name in config.handin.files:
        if name not in intro:
            out.append(f"{assignment.name}: the intro does not name the hand-in file {name}")
    for check in config.trained:
        if check.threshold and f"{check.threshold.value * 100:.1f}%" not in markdown:
            out.append(f"{assignment.name}: the notebook does not state the pass mark for {check.file} "
                       f"({check.threshold.value * 100:.1f}%, from assignment.toml)")
    return out


def _normalised(path: Path):
    nb = json.loads(path.read_text())
    nb.get("metadata", {}).pop("language_info", None)
    return nb


def release_problems(course: Course, names=None) -> list[str]:
    """Differences between the committed release and a fresh ``nbgrader generate_assignment``."""
    out = []
    with tempfile.TemporaryDirectory(prefix="cnnkit-check-") as tmp:
        try:
            release(course, names, release_dir=Path(tmp))
        except (PairingError, ConfigError, RuntimeError) as exc:
            return [str(exc)]
        for a in course.assignments(names):
            fresh, committed = Path(tmp) / a.name, course.release_dir / a.name
            if not committed.is_dir():
                out.append(f"assignments/{a.name} is missing — run `cnnkit grade release`")
                continue
            cmp = filecmp.dircmp(fresh, committed)
            if cmp.left_only or cmp.right_only:
                out.append(f"assignments/{a.name}: files differ from a fresh release (only fresh: {cmp.left_only}, "
                           f"only committed: {cmp.right_only}) — run `cnnkit grade release`")
            for f in sorted(fresh.rglob("*")):
                if not f.is_file():
                    continue
                other = committed / f.relative_to(fresh)
                if not other.is_file():
                    continue
                same = _normalised(f) == _normalised(other) if f.suffix == ".ipynb" else f.read_bytes() == other.read_bytes()
                if not same:
                    out.append(f"assignments/{a.name}/{f.name} is out of date with solutions/ — run `cnnkit grade release`")
    return out


def check_course(course: Course, names=None) -> dict[str, list[str]]:
    """assignment (or "release") → its problems; empty lists everywhere when the course is ready."""
    report = {a.name: problems(a) for a in course.assignments(names)}
    if not any(report.values()):
        report["release"] = release_problems(course, names)
    return report
