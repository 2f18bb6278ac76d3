"""Grade a whole class in one call: every submission in its own sandbox, the gradebook written by the grader.

``grade_class`` releases the assignments afresh into the gradebook (nbgrader ``generate_assignment``:
the course's cells, hidden tests included, as the grader's reference), runs every submission — in
parallel threads here (``LocalRuns``: one executor and one referee, each thread waits on its sandboxed
kernel) or on the workers of a Dask cluster (``scheduler=``, ``cnnkit.grading.cluster``) — records each
as it completes, then adds the integrity flags and writes ``grades.csv``, the report and the feedback.
Only where the runs happen differs between the two. A submission never stops the batch.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from cnnkit.grading import collect, integrity, report
from cnnkit.grading.course import Course, CourseError, release, sqlite_url
from cnnkit.grading.executor import RunLimits, make_executor, readonly_data
from cnnkit.grading.feedback import Screen, secret_lines
from cnnkit.grading.grade_one import BatchContext, kernel_preload, record_submission, run_submission
from cnnkit.grading.prepare import TrustedAssignment
from cnnkit.grading.result import Result

__all__ = ["BatchResult", "LocalRuns", "grade_class", "run_limits", "batch_executor"]


@dataclass
class BatchResult:
    results: list[Result]
    out: Path
    db_url: str
    seconds: float
    sandboxed: bool = True

    @property
    def grades_csv(self) -> Path:
        return self.out / "grades.csv"

    @property
    def feedback_dir(self) -> Path:
        return self.out / "feedback"

    def by_key(self) -> dict:
        return {(r.student, r.assignment): r for r in self.results}


def run_limits(config, overrides: dict | None = None) -> RunLimits:
    """An assignment's budgets from its ``assignment.toml``, with command-line overrides."""
    b = config.budgets
    values = {"cell_timeout": b.cell_timeout, "training_timeout": b.training_timeout,
              "submission_timeout": b.submission_timeout, "memory_mb": b.memory_mb}
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    for key, value in values.items():
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"{key}: expected a positive number of {'MB' if key == 'memory_mb' else 'seconds'}, "
                             f"got {value!r}")
    return RunLimits(**values)


class LocalRuns:
    """Runs submissions in this process's threads, each waiting on its own sandboxed kernel."""

    def __init__(self, *, sandbox: bool = True, workers: int = 1, preload=(), run_as=None, referee_as=None,
                 fork_server: bool = True):
        self.workers = workers
        self.executor = batch_executor(sandbox, workers, preload, run_as=run_as, referee_as=referee_as,
                                       fork_server=fork_server)
        self.sandboxed = self.executor.sandboxed

    def referee(self, assignments):
        if not any(a.config.trained for a in assignments):
            return None
        from cnnkit.grading.referee.client import Referee

        return Referee(self.executor.start_service)

    def warm(self, subs, assignments, course, referee) -> None:
        """While the assignments of ``subs`` (``assignments``) are released (one nbgrader process, one core),
        start in the background what the first submissions would wait for — a fork server per grading
        thread and kind of kernel, the referee's TensorFlow and held-out data — and what the batch's end
        would: the weights digests of the course's own model files (the integrity flags compare hand-ins
        with them)."""
        by_name = {a.name: a for a in assignments}
        kinds = Counter(kernel_preload(by_name[s.assignment]) for s in subs)
        for preload, n in kinds.items():
            self.executor.warm(preload, min(n, self.workers))
        if referee is None:
            return
        checks = [c for a in assignments for c in a.config.trained if c.threshold is not None]
        handed_in = any((Path(s.path) / c.file).is_file()
                        for s in subs for c in by_name[s.assignment].config.trained)
        known = [p for p in integrity.course_model_files(course, assignments) if p.is_file()] if handed_in else []

        def ahead():
            if checks:
                referee.prepare(checks)
            for path in known:
                referee.digest(path)

        threading.Thread(target=ahead, name="cnnkit-warm-referee", daemon=True).start()

    def run(self, ctx, subs):
        """Each submission's ``Graded``, in the order they complete."""
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(run_submission, ctx, s.student, s.assignment, s.path) for s in subs]
            for fut in as_completed(futures):
                yield fut.result()

    def close(self) -> None:
        self.executor.close()


def grade_class(submissions, *, out, course: Course | None = None, assignments=None, workers=None, db_url=None,
                limits: dict | None = None, zip_regex=None, sandbox: bool = True, progress: bool = True,
                preload=(), run_as=None, referee_as=None, scheduler: str | None = None,
                fork_server: bool = True) -> BatchResult:
    """Grade every submission under ``submissions`` (a folder ``<student>/<assignment>/`` or an LMS zip)
    into ``out``: gradebook (``db_url``, default SQLite in ``out``), grades.csv, report, feedback.

    Without the sandbox, ``run_as`` / ``referee_as`` (``RunAs`` users) run the notebooks and the referee
    as two dedicated unprivileged users (``cnnkit.grading.executor``); notebooks then run one at a time.
    With ``scheduler`` (``tcp://HOST:PORT``) the submissions run on that Dask cluster's workers
    (``workers`` is then the cluster's); everything else happens here, as in a local run.
    ``fork_server=False`` starts every sandboxed kernel afresh instead of forking it from a fork server
    that imported TensorFlow once (the same sandbox either way; see ``cnnkit.grading.sandbox.forkserver``)."""
    start = time.monotonic()
    course = course or Course.find()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    db_url = db_url or sqlite_url(out / "gradebook.db")
    known = course.names()
    if not known:
        raise CourseError(f"no assignments in {course.source}")
    if assignments:
        unknown = sorted(set(assignments) - set(known))
        if unknown:
            raise CourseError(f"unknown assignment(s) {unknown}: the course {course.source} has {known}")
    if scheduler and (run_as or referee_as):
        raise ValueError("run_as / referee_as are for a local run without the sandbox; a Dask cluster's workers "
                         "grade in their own sandbox")
    if scheduler:
        from cnnkit.grading.cluster.client import DaskRuns

        runs = DaskRuns(scheduler, sandbox=sandbox, preload=preload)
    else:
        runs = LocalRuns(sandbox=sandbox, workers=max(1, workers or os.cpu_count() or 1), preload=preload,
                         run_as=run_as, referee_as=referee_as, fork_server=fork_server)
    try:
        with tempfile.TemporaryDirectory(prefix="cnnkit-grade-") as tmp:
            tmp = Path(tmp)
            subs = _collect(submissions, course, assignments, tmp / "unzipped", zip_regex)
            wanted = sorted({s.assignment for s in subs} & set(known))
            skipped = [s for s in subs if s.assignment not in known]
            subs = [s for s in subs if s.assignment in known]
            _keep_submitted(subs, out)
            chosen = course.assignments(wanted)
            referee = runs.referee(chosen)
            try:
                runs.warm(subs, chosen, course, referee)
                # the cells and hidden tests, into the gradebook
                release(course, wanted, release_dir=tmp / "release", db_url=db_url)
                trusted = {a.name: TrustedAssignment.build(a, tmp / "release" / a.name) for a in chosen}
                ctx = BatchContext(
                    trusted=trusted, executor=runs.executor, referee=referee, db_url=db_url, out=out,
                    limits={a: run_limits(t.assignment.config, limits) for a, t in trusted.items()},
                    screen={a: Screen(secret_lines(t.source_nb), {str(course.root): "<course>", str(tmp): "<tmp>",
                                                                 str(out): "<out>"})
                            for a, t in trusted.items()})
                results = []
                for graded in _progress(runs.run(ctx, subs), len(subs), progress):
                    results.append(record_submission(ctx, graded))  # the gradebook is written here only
                integrity.flag(results, ctx, subs, course)
            finally:
                if referee is not None:
                    referee.close()
    finally:
        runs.close()
    results.sort(key=lambda r: (r.student, r.assignment))
    for s in skipped:
        print(f"skipped {s.student}/{s.assignment}: no assignment of that name in {course.source}")
    batch = BatchResult(results, out, db_url, round(time.monotonic() - start, 2), runs.sandboxed)
    report.write_all(batch, workers=runs.workers, course=course, limits=ctx.limits)
    return batch


def batch_executor(sandbox: bool, parallel: int, preload=(), run_as=None, referee_as=None, fork_server: bool = True):
    """The executor for ``parallel`` submissions at once on this machine (a local run, or one Dask worker):
    the cores shared between them, the dataset cache read-only in every sandbox (the referee measures on it)."""
    return make_executor(sandbox, readonly=readonly_data(), threads=max(1, (os.cpu_count() or 1) // parallel),
                         preload=preload, run_as=run_as, service_as=referee_as, fork_server=fork_server)


def _keep_submitted(subs, out: Path) -> None:
    """The submissions as handed in, in nbgrader's ``submitted/<student>/<assignment>/`` layout (formgrader
    counts and shows them); regular files only — a symbolic link is never followed or kept."""
    for sub in subs:
        dest = out / "submitted" / sub.student / sub.assignment
        if dest.resolve() == Path(sub.path).resolve():
            continue  # grading the submitted folder itself: it is already there, and must not be touched
        if dest.exists():
            shutil.rmtree(dest)
        for path in sorted(Path(sub.path).rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            target = dest / path.relative_to(sub.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _collect(submissions, course: Course, assignments, dest, zip_regex):
    path = Path(submissions)
    if path.is_file() and path.suffix.lower() == ".zip":
        if not assignments or len(assignments) != 1:
            raise ValueError(f"{path}: an LMS zip holds one assignment — pass --assignment NAME "
                             f"(one of {course.names()})")
        a = course.assignment(assignments[0])
        known = {f"{a.name}.ipynb", *a.config.handin.files}
        return collect.from_zip(path, a.name, dest, known, zip_regex)
    if path.is_file():
        raise ValueError(f"{path}: expected a folder <student>/<assignment>/ or a .zip archive")
    subs = collect.from_folder(path, assignments)
    if not subs:
        raise FileNotFoundError(f"{path}: no submissions found — expected <student>/<assignment>/ folders"
                                + (f" for {', '.join(assignments)}" if assignments else ""))
    return subs


def _progress(iterable, total, enabled):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc="grading", unit="submission")
