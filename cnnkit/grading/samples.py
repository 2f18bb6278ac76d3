"""The sample class: students described by small files, built into submissions from the current course.

Each ``autograder/examples/students/<student>.toml`` says, per assignment, what that student did:
start from the course's solution (or the untouched release), replace some answer cells with their
own text, leave some unanswered, delete cells, hand in files, save an older release, or corrupt
the upload. Building checks every reference against the course, so a renamed cell or a changed
assignment fails loudly instead of silently producing a different student. Model files are the
ones each student's own notebook saved (``train_models`` runs it with the student's seed), or a
re-saved copy of a classmate's weights for a deliberate copier.
"""

from __future__ import annotations

import copy
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cnnkit.grading.course import Course
from cnnkit.grading.prepare import grade_id

__all__ = ["SampleError", "Work", "Student", "load_class", "build_class", "notebook_for", "train_models"]

KEYS = {"base", "about", "answers", "unanswered", "delete", "files", "copy_weights_of", "seed", "release",
        "corrupt", "extra_cells"}


class SampleError(ValueError):
    """A sample student refers to something the course does not have; the message names it."""


@dataclass(frozen=True)
class Work:
    """What one student did for one assignment."""

    assignment: str
    base: str = "solution"                          # "solution" or "release"
    about: str = ""
    answers: dict = field(default_factory=dict)     # answer cell id → the student's text
    unanswered: tuple = ()                          # answer cells left as released
    delete: tuple = ()                              # cells removed
    files: dict = field(default_factory=dict)       # hand-in file → path relative to the examples folder
    copy_weights_of: str | None = None              # a classmate's model (or a file, by path), re-saved
    seed: int | None = None                         # the seed their notebook trained with
    release: int | None = None                      # the release number their notebook carries
    corrupt: str | None = None                      # "truncate": the upload was cut off
    extra_cells: tuple = ()                         # their own code cells, appended before the first test


@dataclass(frozen=True)
class Student:
    name: str
    about: str
    work: dict


def load_class(examples: Path) -> dict[str, Student]:
    """Every ``students/*.toml`` under ``examples``."""
    folder = Path(examples) / "students"
    students = {}
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        work = {}
        for assignment, spec in data.items():
            if not isinstance(spec, dict):
                continue
            unknown = set(spec) - KEYS
            if unknown:
                raise SampleError(f"{path} [{assignment}]: unknown key(s) {sorted(unknown)}; known: {sorted(KEYS)}")
            work[assignment] = Work(assignment, spec.get("base", "solution"), spec.get("about", ""),
                                    dict(spec.get("answers", {})), tuple(spec.get("unanswered", ())),
                                    tuple(spec.get("delete", ())), dict(spec.get("files", {})),
                                    spec.get("copy_weights_of"), spec.get("seed"), spec.get("release"),
                                    spec.get("corrupt"), tuple(spec.get("extra_cells", ())))
        students[path.stem] = Student(path.stem, str(data.get("about", "")), work)
    return students


def _cell(nb, gid: str, where: str):
    for cell in nb.cells:
        if grade_id(cell) == gid:
            return cell
    raise SampleError(f"{where}: the notebook has no cell '{gid}' (cells: "
                      f"{', '.join(g for g in (grade_id(c) for c in nb.cells) if g)})")


def notebook_for(course: Course, student: str, work: Work, release_dir: Path | None = None):
    """The notebook ``student`` hands in for ``work.assignment`` (a NotebookNode, or text when corrupt)."""
    where = f"sample student {student} [{work.assignment}]"
    assignment = course.assignment(work.assignment)
    release_path = Path(release_dir or course.release_dir) / assignment.name / f"{assignment.name}.ipynb"
    release = nbformat.read(release_path, as_version=4)
    if work.base not in ("solution", "release"):
        raise SampleError(f"{where}: base must be 'solution' or 'release', got {work.base!r}")
    nb = copy.deepcopy(release)
    if work.base == "solution":
        # the release notebook with the solution's answers typed in, as a student would (no markers)
        solution = nbformat.read(assignment.notebook, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                cell.source = _as_typed(_cell(solution, grade_id(cell), where).source)
    for gid, text in work.answers.items():
        cell = _cell(nb, gid, where)
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            raise SampleError(f"{where}: '{gid}' is not an answer cell — students can only change answers")
        if text.strip() == cell.source.strip():
            raise SampleError(f"{where}: the answer for '{gid}' is what the {work.base} already has — "
                              "the course changed; update this student")
        cell.source = text.strip("\n")
    for gid in work.unanswered:
        _cell(nb, gid, where).source = _cell(release, gid, where).source
    for gid in work.delete:
        nb.cells.remove(_cell(nb, gid, where))
    if work.extra_cells:
        first_test = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade")
                          and not c.metadata["nbgrader"].get("solution"))
        for offset, text in enumerate(work.extra_cells):
            cell = nbformat.v4.new_code_cell(text.strip("\n"))
            nb.cells.insert(first_test + offset, cell)
    if work.release is not None:
        nb.metadata.setdefault("cnnkit", {})["release"] = work.release
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if work.corrupt == "truncate":
        text = nbformat.writes(nb)
        return text[: len(text) // 2]
    if work.corrupt:
        raise SampleError(f"{where}: corrupt must be 'truncate', got {work.corrupt!r}")
    return nb


def _as_typed(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def build_class(course: Course, dest: Path, *, students=None, release_dir=None, untouched: bool = False) -> Path:
    """Write the sample class's submissions as ``dest/<student>/<assignment>/`` (plus an ``untouched``
    student handing in every release as it is, when asked)."""
    dest = Path(dest)
    examples = course.examples
    roster = load_class(examples)
    for name in students or roster:
        student = roster[name]
        for assignment, work in student.work.items():
            folder = dest / name / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nb = notebook_for(course, name, work, release_dir)
            path = folder / f"{assignment}.ipynb"
            if isinstance(nb, str):
                path.write_text(nb, encoding="utf-8")
            else:
                nbformat.write(nb, path)
            for file, rel in work.files.items():
                src = examples / rel
                if not src.is_file():
                    raise SampleError(f"sample student {name} [{assignment}]: {src} does not exist — run "
                                      f"`cnnkit grade sample-models {name}` to train it")
                shutil.copyfile(src, folder / file)
            if work.copy_weights_of:
                _copy_weights(course, roster, name, work, folder)
    if untouched:
        for a in course.names():
            shutil.copytree(Path(release_dir or course.release_dir) / a, dest / "untouched" / a, dirs_exist_ok=True)
    return dest


def _copy_weights(course: Course, roster, name: str, work: Work, folder: Path) -> None:
    """The copier's model: someone else's weights — a classmate's, or a course file given by its path
    relative to the examples folder — loaded and saved again (new file bytes, the same weights)."""
    import keras

    where = f"sample student {name} [{work.assignment}]"
    source = work.copy_weights_of
    if "/" in source:
        paths = {f: course.examples / source for f in course.assignment(work.assignment).config.handin.files[:1]}
    else:
        other = roster.get(source)
        source_work = other.work.get(work.assignment) if other else None
        if source_work is None or not source_work.files:
            raise SampleError(f"{where}: copy_weights_of = {source!r} has no model for this assignment")
        paths = {f: course.examples / rel for f, rel in source_work.files.items()}
    for file, path in paths.items():
        if not path.is_file():
            raise SampleError(f"{where}: copy_weights_of names {path}, which does not exist")
        keras.saving.load_model(path, compile=False).save(folder / file)


def train_models(course: Course, students=None, *, budget: str = "full", out=None) -> list[Path]:
    """Run each sample student's own notebook (training mode, their ``seed``) and keep the files it saves
    as ``models/<student>/<assignment>/<file>`` — where the student TOML's ``files`` point."""
    from cnnkit.grading.calibrate import run_notebook

    roster = load_class(course.examples)
    written = []
    for name in students or roster:
        for assignment, work in roster[name].work.items():
            if not work.files or work.seed is None:
                continue
            nb = notebook_for(course, name, work)
            files = run_notebook(course.assignment(assignment), nb, seed=work.seed, budget=budget)
            for file, rel in work.files.items():
                target = course.examples / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(files[file], target)
                written.append(target)
    return written
