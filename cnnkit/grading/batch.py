"""Grade a whole class in parallel and merge everything into one nbgrader gradebook.

nbgrader's ``autograde`` is serial; here each submission is graded by an independent worker
(its own course folder and SQLite gradebook, see ``workers``), and the parent merges the scores
into the main gradebook (SQLite by default, any SQLAlchemy URL such as ``postgresql://...``)
through ``nbgrader.api.Gradebook``, copies the feedback and writes ``grades.csv`` and the report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from cnnkit.grading import collect, report
from cnnkit.grading.course import (REQUIRED_FILES, SOLUTIONS, COURSE_ID, assignment_names,
                                   ensure_tools_on_path, release, sqlite_url)
from cnnkit.grading.limits import Limits
from cnnkit.grading.workers import AssignmentSpec, Job, Result, grade_one


@dataclass
class BatchResult:
    results: list[Result]
    out: Path
    db_url: str
    seconds: float

    @property
    def grades_csv(self) -> Path:
        return self.out / "grades.csv"

    @property
    def feedback_dir(self) -> Path:
        return self.out / "feedback"


def grade_class(submissions, *, out, assignments=None, source=SOLUTIONS, workers=None, db_url=None,
                limits: Limits | None = None, required_files=None, zip_regex=None,
                progress: bool = True) -> BatchResult:
    """Autograde every submission under ``submissions`` (folder or LMS zip) into ``out``."""
    start = time.monotonic()
    limits = limits or Limits()
    source = Path(source).resolve()
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    db_url = db_url or sqlite_url(out / "gradebook.db")
    required = REQUIRED_FILES if required_files is None else required_files
    known = assignment_names(source)
    if not known:
        raise FileNotFoundError(f"no assignments in {source}: expected <assignment>/<notebook>.ipynb")
    if assignments:
        unknown = sorted(set(assignments) - set(known))
        if unknown:
            raise ValueError(f"unknown assignment(s) {unknown}: the source {source} has {known}")
    workers = max(1, workers or os.cpu_count() or 1)

    with tempfile.TemporaryDirectory(prefix="cnnkit-grade-", dir=out) as tmp:
        tmp = Path(tmp)
        subs = _collect_submissions(submissions, assignments, tmp / "unzipped", source, required, zip_regex)
        wanted = sorted({s.assignment for s in subs} & set(known))
        skipped = [s for s in subs if s.assignment not in known]
        subs = [s for s in subs if s.assignment in known]
        template = tmp / "template.db"
        specs = _specs(wanted, source, template, required, db_url)
        jobs = [Job(s.student, specs[s.assignment], s.path, tmp / "w" / f"{s.student}__{s.assignment}",
                    template, source, limits, threads=max(1, (os.cpu_count() or 1) // workers))
                for s in subs]
        results = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(grade_one, job) for job in jobs]
            for fut in _progress(as_completed(futures), len(futures), progress):
                res = fut.result()
                _merge(res, specs[res.assignment], db_url)
                _publish(res, out)
                results.append(res)
    results.sort(key=lambda r: (r.student, r.assignment))
    for s in skipped:
        print(f"skipped {s.student}/{s.assignment}: no assignment of that name in {source}")
    batch = BatchResult(results, out, db_url, round(time.monotonic() - start, 2))
    report.write_all(batch, limits=limits, workers=workers, source=source)
    return batch


def _collect_submissions(submissions, assignments, dest, source, required, zip_regex):
    path = Path(submissions)
    if path.is_file() and path.suffix.lower() == ".zip":
        if not assignments or len(assignments) != 1:
            raise ValueError(f"{path}: an LMS zip holds one assignment — pass --assignment NAME "
                             f"(one of {assignment_names(source)})")
        name = assignments[0]
        known = {p.name for p in (source / name).glob("*.ipynb")} | set(required.get(name, ()))
        return collect.from_zip(path, name, dest, known, zip_regex)
    if path.is_file():
        raise ValueError(f"{path}: expected a folder <student>/<assignment>/ or a .zip archive")
    subs = collect.from_folder(path, assignments)
    if not subs:
        raise FileNotFoundError(f"{path}: no submissions found — expected <student>/<assignment>/ folders"
                                + (f" for {', '.join(assignments)}" if assignments else ""))
    return subs


def _specs(names, source, template, required, db_url) -> dict[str, AssignmentSpec]:
    """Record the assignments' cells (``nbgrader generate_assignment``) in the template and main gradebooks."""
    from nbgrader.api import Gradebook

    ensure_tools_on_path()
    with tempfile.TemporaryDirectory(prefix="cnnkit-rel-") as rel:
        release(names, source=source, release_dir=rel, db_url=sqlite_url(template))
        main_file = db_url.removeprefix("sqlite:///") if db_url.startswith("sqlite:///") else None
        if main_file and not Path(main_file).exists():
            shutil.copy(template, main_file)
        else:
            release(names, source=source, release_dir=rel, db_url=db_url)
    specs = {}
    with Gradebook(sqlite_url(template), COURSE_ID) as gb:
        for name in names:
            assignment = gb.find_assignment(name)
            notebooks = {nb.name: {c.name: float(c.max_score) for c in nb.grade_cells}
                         for nb in assignment.notebooks}
            specs[name] = AssignmentSpec(name, notebooks, tuple(required.get(name, ())))
    return specs


def _merge(res: Result, spec: AssignmentSpec, db_url: str) -> None:
    """Write one worker's scores into the main gradebook (zero where nothing could be graded)."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(), Gradebook(db_url, COURSE_ID) as gb:
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush chatter
        gb.update_or_create_student(res.student)
        gb.update_or_create_submission(res.assignment, res.student)
        for nb_name, cells in spec.notebooks.items():
            for grade_id in cells:
                grade = gb.find_grade(grade_id, nb_name, res.assignment, res.student)
                grade.auto_score = res.scores.get(nb_name, {}).get(grade_id, 0.0)
                grade.needs_manual_grade = False
        gb.db.commit()


def _publish(res: Result, out: Path) -> None:
    """Copy the feedback HTML and autograded notebooks out of the worker's folder."""
    for kind, files in (("feedback", res.feedback), ("autograded", [res.autograded] if res.autograded else [])):
        dest = out / kind / res.student / res.assignment
        if dest.exists():
            shutil.rmtree(dest)
        for f in files:
            dest.mkdir(parents=True, exist_ok=True)
            if f.is_dir():
                shutil.copytree(f, dest, dirs_exist_ok=True)
            else:
                shutil.copy(f, dest / f.name)
    res.feedback = sorted((out / "feedback" / res.student / res.assignment).glob("*.html"))
    res.autograded = (out / "autograded" / res.student / res.assignment) if res.autograded else None


def _progress(iterable, total, enabled):
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc="grading", unit="submission")
