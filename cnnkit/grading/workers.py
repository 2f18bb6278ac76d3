"""Grade one submission in its own nbgrader course: real ``nbgrader autograde`` under a watchdog.

Each worker copies the gradebook template and the submission into a private course folder, checks
what it can before running (valid JSON, graded cells present once, required files), then runs
``nbgrader autograde`` and ``nbgrader generate_feedback`` as subprocesses. A watchdog stops the
kernel when it uses too much memory or the submission runs over its budget; the cells not yet run
then score zero (see ``execute.TaggedExecute``). Nothing a student does can stop the batch.
"""

from __future__ import annotations

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
        runnable = _precheck(submitted, spec, result)
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


def _precheck(submitted: Path, spec: AssignmentSpec, result: Result) -> bool:
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
        ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells]
        for grade_id in cells:
            count = ids.count(grade_id)
            if count == 0:
                result.flag("broken", f"{nb_name}: graded cell '{grade_id}' was deleted — "
                                      "nbgrader restores its tests from the source notebook")
            elif count > 1:
                result.flag("broken", f"{nb_name}: graded cell '{grade_id}' appears {count} times — "
                                      "only the first copy is graded")
    for name in spec.required_files:
        if not (submitted / name).exists():
            result.flag("missing-file", f"{name}: not submitted — the checks that load it score 0")
    return runnable


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
    cmd = [sys.executable, "-m", "nbgrader", "autograde", job.assignment.name,
           "--student", job.student, "--force"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        stopped = _watch(proc, limits, stop_file)
    if stopped:
        result.flag(*stopped)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        result.flag("error", f"nbgrader autograde exited with {proc.returncode}: {' | '.join(tail)[:400]}")
        return
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", job.assignment.name,
                           "--student", job.student, "--force"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        result.reasons.append(f"feedback not generated: {(done.stdout + done.stderr).strip()[-300:]}")


def _watch(proc: subprocess.Popen, limits: Limits, stop_file: Path):
    """Wait for ``proc``; stop its kernel above the memory limit or past the submission budget."""
    start = time.monotonic()
    stopped = None
    limit_bytes = limits.memory_limit_mb * 1024 * 1024
    while proc.poll() is None:
        time.sleep(0.2)
        elapsed = time.monotonic() - start
        kernels = _kernels(proc.pid)
        if stopped is None:
            rss = sum(_tree_rss(k) for k in kernels)
            if rss > limit_bytes:
                stopped = ("memory", f"memory: the notebook used {rss / 2**20:.0f} MB, over the "
                                     f"{limits.memory_limit_mb} MB limit — the kernel was stopped there; "
                                     "raise it with --memory-limit")
            elif elapsed > limits.submission_timeout:
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
        if elapsed > limits.submission_timeout + 2 * GRACE_S:
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
        for cell in nbformat.read(path, as_version=4).cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                ename, evalue = out.get("ename", ""), str(out.get("evalue", "")).strip()
                if ename == TIMEOUT_ENAME:
                    budget = job.limits.cell_budget(cell.get("metadata", {}).get("tags"))
                    result.flag("timeout", f"{nb_name}: cell '{grade_id or '?'}' ran over its {budget} s "
                                           "budget and was interrupted")
                elif ename == STOPPED_ENAME:
                    pass  # the watchdog's own reason is already recorded
                elif grade_id in cells:
                    first = evalue.splitlines()[0][:200] if evalue else ""
                    result.reasons.append(f"{nb_name}: {grade_id} failed: {ename}: {first}".rstrip(": "))
    feedback = course / "feedback" / job.student / spec.name
    result.feedback = sorted(feedback.glob("*.html")) if feedback.is_dir() else []
