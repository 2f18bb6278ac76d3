"""Try answers against an assignment's tests in-process, without a kernel: for authoring and the test suite.

``Harness(assignment)`` runs the course's own cells and the solution's answers once (training cells
skipped unless asked), in a folder holding the release's files; ``outcome(test, {answer: text})``
then replays one test — its visible or hidden part — with some answers replaced, and returns the
failure message (None when it passes). That is how "each common mistake fails a visible test with a
message that names it" is checked for every notebook.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import nbformat

from cnnkit.checks.assignment import BUDGET_ENV
from cnnkit.grading.course import Assignment

__all__ = ["Harness", "split_test"]


def split_test(source: str) -> tuple[str, str]:
    """(visible part, hidden part) of a test cell's source."""
    visible, _, rest = source.partition("### BEGIN HIDDEN TESTS")
    hidden, _, after = rest.partition("### END HIDDEN TESTS")
    return visible + after, hidden


def _as_typed(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


class Harness:
    """The solution notebook executed once in-process; tests replayed against replaced answers."""

    def __init__(self, assignment: Assignment, *, train: bool = False, budget: str = "small",
                 skip=("setup-kit",)):
        self.assignment = assignment
        self.nb = nbformat.read(assignment.notebook, as_version=4)
        self.cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in self.nb.cells}
        self.folder = Path(tempfile.mkdtemp(prefix=f"cnnkit-harness-{assignment.name}-"))
        for path in assignment.release_folder.iterdir():
            if path.is_file() and path.suffix != ".ipynb":
                shutil.copyfile(path, self.folder / path.name)
        self.namespace: dict = {"display": lambda *a, **k: None, "__name__": "__main__"}
        #: cells that could not run because a skipped training cell defines what they use
        self.skipped: dict[str, str] = {}
        trained = train
        with self.inside(budget):
            for cell in self.nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                gid = meta.get("grade_id") or "cell"
                if cell.cell_type != "code" or gid in skip:
                    continue
                if meta.get("grade") and not meta.get("solution"):
                    continue  # tests are replayed on demand
                if "training" in cell.metadata.get("tags", []) and not train:
                    self.skipped[gid] = "training cell"
                    continue
                try:
                    exec(compile(_as_typed(cell.source), f"<{gid}>", "exec"), self.namespace)
                except NameError as exc:
                    if trained or meta.get("solution"):
                        raise
                    self.skipped[gid] = f"needs the skipped training: {exc}"

    @contextlib.contextmanager
    def inside(self, budget: str = "small"):
        """Run in the harness folder with the small training budget."""
        before, env = Path.cwd(), os.environ.get(BUDGET_ENV)
        os.chdir(self.folder)
        os.environ[BUDGET_ENV] = budget
        try:
            yield
        finally:
            os.chdir(before)
            if env is None:
                os.environ.pop(BUDGET_ENV, None)
            else:
                os.environ[BUDGET_ENV] = env

    def test_source(self, test: str, part: str = "visible") -> str:
        visible, hidden = split_test(self.cells[test].source)
        if part not in ("visible", "all"):
            raise ValueError(f"part: expected 'visible' (what students run) or 'all' (as graded), got {part!r}")
        return visible if part == "visible" else self.cells[test].source

    def outcome(self, test: str, answers: dict[str, str] | None = None, part: str = "visible",
                extra: str = "") -> str | None:
        """Replay ``test`` — its visible part, or ``part="all"`` as graded (hidden tests too) — after
        replacing ``answers``; the failure message or None."""
        # Run in the solution's own namespace, restored afterwards: functions defined by the first run look
        # names up there, so a replaced answer is also what the other answers and provided cells call.
        ns, saved = self.namespace, dict(self.namespace)
        try:
            with self.inside():
                for gid, text in (answers or {}).items():
                    if gid not in self.cells:
                        raise KeyError(f"{self.assignment.name}: no answer cell {gid!r}")
                    exec(compile(text, f"<{gid}>", "exec"), ns)
                if extra:
                    exec(compile(extra, "<extra>", "exec"), ns)
                try:
                    exec(compile(self.test_source(test, part), f"<{test}>", "exec"), ns)
                except AssertionError as exc:
                    return str(exc)
                except Exception as exc:  # a crash is a failure too; say what crashed
                    return f"{type(exc).__name__}: {exc}"
            return None
        finally:
            ns.clear()
            ns.update(saved)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
