"""Grade one submission in its own nbgrader course: real ``nbgrader autograde`` under a watchdog.

Each worker copies the gradebook template and the submission into a private course folder, checks
what it can before running (valid JSON, graded cells present once, required files), then runs
nbgrader's ``autograde`` and ``generate_feedback`` in one subprocess (``autograde_one``). A watchdog stops the
kernel when it uses too much memory or the submission runs over its budget; the cells not yet run
then score zero (see ``execute.TaggedExecute``). Nothing a student does can stop the batch.
"""

from __future__ import annotations

import copy
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from cnnkit.grading.course import config_text, ensure_tools_on_path, sqlite_url
from cnnkit.grading.execute import STOP_REASON_ENV, STOPPED_ENAME
from cnnkit.grading.limits import Limits

#: statuses, most serious first: a submission's status is the first one that applies
STATUSES = ("invalid-notebook", "missing-notebook", "memory", "timeout", "missing-file", "broken", "error", "ok")
TIMEOUT_ENAME = "CellTimeoutError"
GRACE_S = 60


@dataclass(frozen=True)
class AssignmentSpec:
    """What the gradebook knows about an assignment: notebooks → graded cells → max points."""

    name: str
    notebooks: dict[str, dict[str, float]]
    required_files: tuple[str, ...] = ()

    @property
    def max_score(self) -> float:
        return sum(sum(cells.values()) for cells in self.notebooks.values())


@dataclass
class Job:
    student: str
    assignment: AssignmentSpec
    files: Path
    workdir: Path
    template_db: Path
    source: Path
    limits: Limits
    threads: int = 1


@dataclass
class Result:
    """Outcome of grading one (student, assignment): scores per graded cell, status and reasons."""

    student: str
    assignment: str
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # notebook → grade_id → points
    max_score: float = 0.0
    seconds: float = 0.0
    feedback: list[Path] = field(default_factory=list)
    autograded: Path | None = None

    @property
    def score(self) -> float:
        return sum(sum(cells.values()) for cells in self.scores.values())

    def flag(self, status: str, reason: str) -> None:
        if STATUSES.index(status) < STATUSES.index(self.status):
            self.status = status
        self.reasons.append(reason)


def grade_one(job: Job) -> Result:
    """Grade one submission; never raises for anything the submission does."""
    start = time.monotonic()
    spec = job.assignment
    result = Result(job.student, spec.name, max_score=spec.max_score)
    try:
        course = _prepare(job)
        submitted = course / "submitted" / job.student / spec.name
        runnable = _precheck(submitted, spec, result, Path(job.source) / spec.name)
        if runnable:
            _autograde(job, course, result)
            _collect(course, job, result)
    except Exception as exc:  # the autograder's own failure for this submission, still reported
        result.flag("error", f"autograder error: {type(exc).__name__}: {exc}")
    result.scores = {nb: {g: result.scores.get(nb, {}).get(g, 0.0) for g in cells}
                     for nb, cells in spec.notebooks.items()}
    result.seconds = round(time.monotonic() - start, 2)
    return result


def _prepare(job: Job) -> Path:
    course = Path(job.workdir)
    if course.exists():
        shutil.rmtree(course)
    (course / "submitted" / job.student).mkdir(parents=True)
    shutil.copytree(job.files, course / "submitted" / job.student / job.assignment.name,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    shutil.copy(job.template_db, course / "gradebook.db")
    (course / "nbgrader_config.py").write_text(config_text(
        root=course, source=job.source, release=course / "release", work=course,
        db_url=sqlite_url(course / "gradebook.db"), limits=job.limits))
    return course


def _precheck(submitted: Path, spec: AssignmentSpec, result: Result, source_dir: Path) -> bool:
    """Check notebooks and files before running; drop unreadable notebooks. True if any is runnable."""
    runnable = False
    for nb_name, cells in spec.notebooks.items():
        path = submitted / f"{nb_name}.ipynb"
        if not path.exists():
            found = ", ".join(sorted(p.name for p in submitted.glob("*.ipynb"))) or "no notebook"
            result.flag("missing-notebook", f"{nb_name}.ipynb: not submitted (found: {found}) — scored 0")
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:
            path.unlink()
            first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            result.flag("invalid-notebook", f"{nb_name}.ipynb is not a valid notebook ({first}) — "
                                            "it cannot be opened, so every graded cell scores 0")
            continue
        runnable = True
        restored = _check_cells(nb, nb_name, cells, source_dir, result)
        if restored:
            nbformat.write(nb, path)
    for name in spec.required_files:
        if not (submitted / name).exists():
            result.flag("missing-file", f"{name}: not submitted — the checks that load it score 0")
    return runnable


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _check_cells(nb, nb_name: str, cells, source_dir: Path, result: Result) -> bool:
    """Report deleted or duplicated graded cells; put deleted (read-only) test cells back. True if changed."""
    ids = [_grade_id(c) for c in nb.cells]
    source_nb = None
    changed = False
    for grade_id in cells:
        count = ids.count(grade_id)
        if count > 1:
            # like nbgrader's DeduplicateIds keep the last copy, but drop the metadata key of the
            # others entirely (an empty one trips nbgrader's "old metadata format" check)
            for cell in [c for c in nb.cells if _grade_id(c) == grade_id][:-1]:
                del cell.metadata["nbgrader"]
            changed = True
            result.flag("broken", f"{nb_name}: graded cell '{grade_id}' appears {count} times — "
                                  "only the last copy is graded")
        if count:
            continue
        if source_nb is None:
            source_nb = nbformat.read(source_dir / f"{nb_name}.ipynb", as_version=4)
        original = next((c for c in source_nb.cells if _grade_id(c) == grade_id), None)
        meta = original.get("metadata", {}).get("nbgrader", {}) if original else {}
        if original is not None and meta.get("locked") and not meta.get("solution"):
            before = [_grade_id(c) for c in source_nb.cells[: source_nb.cells.index(original)]]
            at = max((ids.index(g) + 1 for g in before if g in ids), default=0)
            nb.cells.insert(at, nbformat.from_dict(copy.deepcopy(dict(original))))
            ids.insert(at, grade_id)
            changed = True
            result.flag("broken", f"{nb_name}: read-only test cell '{grade_id}' was deleted — "
                                  "restored from the source notebook and graded")
        else:
            result.flag("broken", f"{nb_name}: graded cell '{grade_id}' was deleted — it scores 0")
    return changed


def _autograde(job: Job, course: Path, result: Result) -> None:
    limits = job.limits
    stop_file = course / "stop_reason.txt"
    threads = str(max(1, job.threads))
    env = {**os.environ, STOP_REASON_ENV: str(stop_file), "OMP_NUM_THREADS": threads,
           "TF_NUM_INTRAOP_THREADS": threads, "TF_NUM_INTEROP_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONWARNINGS": "ignore"}
    ensure_tools_on_path()
    env["PATH"] = os.environ["PATH"]
    log = course / "autograde.log"
    cmd = [sys.executable, "-m", "cnnkit.grading.autograde_one", job.assignment.name, job.student]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        stopped = _watch(proc, limits, stop_file)
    if stopped:
        result.flag(*stopped)
    text = log.read_text(errors="replace")
    if proc.returncode == 2:
        result.reasons.append("feedback not generated: " + " | ".join(text.strip().splitlines()[-2:])[:300])
    elif proc.returncode != 0:
        tail = text.split("=== generate_feedback ===")[0].strip().splitlines()[-3:]
        result.flag("error", f"nbgrader autograde exited with {proc.returncode}: {' | '.join(tail)[:400]}")


def _watch(proc: subprocess.Popen, limits: Limits, stop_file: Path):
    """Wait for ``proc``; stop its kernel above the memory limit or past the submission budget."""
    start = time.monotonic()
    kernel_start = None  # the submission budget counts from the first kernel, not nbgrader's start-up
    stopped = None
    limit_bytes = limits.memory_limit_mb * 1024 * 1024
    while proc.poll() is None:
        time.sleep(0.2)
        elapsed = time.monotonic() - start
        kernels = _kernels(proc.pid)
        if kernels and kernel_start is None:
            kernel_start = time.monotonic()
        running = time.monotonic() - kernel_start if kernel_start else 0.0
        if stopped is None:
            rss = sum(_tree_rss(k) for k in kernels)
            if rss > limit_bytes:
                stopped = ("memory", f"memory: the notebook used {rss / 2**20:.0f} MB, over the "
                                     f"{limits.memory_limit_mb} MB limit — the kernel was stopped there; "
                                     "raise it with --memory-limit")
            elif running > limits.submission_timeout:
                stopped = ("timeout", f"timeout: the submission ran over its {limits.submission_timeout} s "
                                      "budget — the kernel was stopped there; raise it with --submission-timeout")
            if stopped:
                stop_file.write_text(stopped[1])
                for k in kernels:
                    _kill_tree(k)
                stop_time = time.monotonic()
        elif kernels:  # a new kernel after the stop: the next notebook; nothing more may run
            for k in kernels:
                _kill_tree(k)
        if stopped and time.monotonic() - stop_time > GRACE_S:
            _kill_group(proc)
        if elapsed > limits.submission_timeout + 3 * GRACE_S:
            _kill_group(proc)
    return stopped


def _kernels(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=False)
    except psutil.Error:
        return []
    return [c for c in children if _is_kernel(c)]


def _is_kernel(proc: psutil.Process) -> bool:
    try:
        return any("ipykernel" in part for part in proc.cmdline())
    except psutil.Error:
        return False


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def _kill_tree(proc: psutil.Process) -> None:
    try:
        procs = [*proc.children(recursive=True), proc]
    except psutil.Error:
        procs = [proc]
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _collect(course: Path, job: Job, result: Result) -> None:
    """Read the scores from the worker's gradebook and the reasons from the autograded notebooks."""
    from nbgrader.api import Gradebook, MissingEntry

    spec = job.assignment
    with Gradebook(sqlite_url(course / "gradebook.db")) as gb:
        try:
            submission = gb.find_submission(spec.name, job.student)
        except MissingEntry:
            result.flag("error", "nbgrader recorded no submission")
            return
        for nb in submission.notebooks:
            result.scores[nb.name] = {g.name: float(g.score or 0) for g in nb.grades if g.max_score}
    autograded = course / "autograded" / job.student / spec.name
    result.autograded = autograded if autograded.is_dir() else None
    for nb_name, cells in spec.notebooks.items():
        path = autograded / f"{nb_name}.ipynb"
        if not path.exists():
            continue
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            grade_id = _grade_id(cell)
            name = f"'{grade_id}'" if grade_id else f"#{index + 1}"
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            timed_out = any(o.get("ename") == TIMEOUT_ENAME for o in errors)
            if timed_out:
                budget = job.limits.cell_budget(cell.get("metadata", {}).get("tags"))
                result.flag("timeout", f"{nb_name}: cell {name} ran over its {budget} s budget and was interrupted")
            elif grade_id in cells and errors and errors[0].get("ename") != STOPPED_ENAME:
                ename, evalue = errors[0].get("ename", ""), str(errors[0].get("evalue", "")).strip()
                first = evalue.splitlines()[0][:200] if evalue else ""
                result.reasons.append(f"{nb_name}: {grade_id} failed: {ename}: {first}".rstrip(": "))
    feedback = course / "feedback" / job.student / spec.name
    result.feedback = sorted(feedback.glob("*.html")) if feedback.is_dir() else []
