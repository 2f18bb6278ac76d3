"""Grading throughput: plain serial ``nbgrader autograde`` against ``cnnkit grade run`` (sandbox on), same class,
same command. Prints seconds and submissions per minute for each, the ratio, what forking kernels from a
fork server saves (the same class graded again with ``--fresh-kernels``), the sandbox's cost (again with
``--no-sandbox``) and where cnnkit's time goes.

    .venv/bin/python benchmarks/grading.py                      # the sample class (every assignment)
    .venv/bin/python benchmarks/grading.py --synthetic 30       # 30 honest notebook-03 submissions

The synthetic class hands in the solution of 03 with 30 distinct model files (each trained once by the
solution notebook itself with its own seed on the small budget, cached in benchmarks/.cache/), so no
two files share weights and nothing is measured twice. Plain nbgrader runs the same notebooks in
ordinary kernels, one after the other (``generate_assignment``, ``autograde``, ``generate_feedback``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cnnkit.grading.batch import grade_class  # noqa: E402
from cnnkit.grading.course import Course, config_text, nbgrader, sqlite_url  # noqa: E402
from cnnkit.grading.samples import Work, build_class, notebook_for  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
SYNTHETIC = "03-first-cnn"


def synthetic_class(course: Course, n: int, dest: Path) -> Path:
    """``n`` honest 03 submissions, each with its own model file (trained once, then cached)."""
    from cnnkit.grading.calibrate import run_notebook

    a = course.assignment(SYNTHETIC)
    models = CACHE / f"{SYNTHETIC}-models"
    models.mkdir(parents=True, exist_ok=True)
    nb = notebook_for(course, "bench", Work(SYNTHETIC))
    for i in range(n):
        model = models / f"seed{100 + i}.keras"
        if not model.is_file():
            print(f"training model {i + 1}/{n} (cached in {models}) ...", flush=True)
            files = run_notebook(a, nb, seed=100 + i, budget="small")
            shutil.copy(files[a.config.handin.files[0]], model)
        folder = dest / f"student{i:02d}" / SYNTHETIC
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{SYNTHETIC}.ipynb")
        shutil.copy(model, folder / a.config.handin.files[0])
    return dest


def serial_nbgrader(course: Course, submissions: Path, root: Path) -> float:
    """Plain nbgrader, one assignment after another, in one course folder."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(config_text(root=root, source=course.source, release=root / "release",
                                                         work=root, db_url=sqlite_url(root / "gradebook.db")))
    shutil.copytree(submissions, root / "submitted")
    names = sorted({p.name for s in submissions.iterdir() for p in s.iterdir()})
    start = time.perf_counter()
    for a in names:
        for step in (["generate_assignment", a, "--force"], ["autograde", a, "--force"],
                     ["generate_feedback", a, "--force"]):
            done = nbgrader(step, cwd=root)
            if done.returncode:
                print(f"  note: nbgrader {' '.join(step)} exited {done.returncode} (a broken submission: nbgrader "
                      "skips it and reports at the end)")
    return time.perf_counter() - start


def phase_table(results) -> str:
    totals = defaultdict(list)
    for r in results:
        for phase, seconds in r.phases.items():
            totals[phase].append(seconds)
    order = ["prepare", "kernel start", "imports", "cells", "kernel stop", "referee", "record", "feedback"]
    rows = [f"  {'phase':<14}{'mean s':>9}{'total s':>10}"]
    for phase in sorted(totals, key=lambda p: order.index(p) if p in order else len(order)):
        values = totals[phase]
        rows.append(f"  {phase:<14}{statistics.fmean(values):>9.2f}{sum(values):>10.1f}")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=0, metavar="N",
                        help="grade N honest notebook-03 submissions instead of the sample class")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--skip-serial", action="store_true", help="only time cnnkit grade run")
    parser.add_argument("--skip-no-sandbox", action="store_true",
                        help="do not grade the class again without the sandbox (its cost is then not shown)")
    parser.add_argument("--skip-fresh", action="store_true",
                        help="do not grade the class again with fresh kernels (the fork server's gain is then not shown)")
    args = parser.parse_args(argv)
    course = Course(ROOT)
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as tmp:
        tmp = Path(tmp)
        subs = tmp / "submissions"
        if args.synthetic:
            synthetic_class(course, args.synthetic, subs)
            label = f"synthetic class: {args.synthetic} honest notebook-03 submissions"
        else:
            build_class(course, subs)
            label = "sample class"
        n = sum(1 for s in subs.iterdir() for _ in s.iterdir())
        print(f"{label} ({n} submissions), {os.cpu_count()} CPU cores, {args.workers} workers")
        t_serial = None if args.skip_serial else serial_nbgrader(course, subs, tmp / "serial")
        runs = {"cnnkit": {}}
        if not args.skip_fresh:
            runs["fresh"] = {"fork_server": False}
        if not args.skip_no_sandbox:
            runs["open"] = {"sandbox": False}
        seconds, batches = {}, {}
        for name, options in runs.items():
            start = time.perf_counter()
            batches[name] = grade_class(subs, out=tmp / name, course=course, workers=args.workers, progress=False,
                                        **options)
            seconds[name] = time.perf_counter() - start
        batch = batches["cnnkit"]
        scores = {key: (r.score, r.status) for key, r in batch.by_key().items()}
        for name, other in batches.items():
            changed = [key for key, r in other.by_key().items() if (r.score, r.status) != scores[key]]
            if changed:
                print(f"NOTE: the {name} run scored these differently: {changed}")
        rate = lambda s: 60 * n / s  # noqa: E731
        t_cnnkit = seconds["cnnkit"]
        if t_serial is not None:
            print(f"plain serial nbgrader autograde:   {t_serial:7.1f} s  {rate(t_serial):6.1f} submissions/min")
        print(f"cnnkit grade run (sandbox {'on' if batch.sandboxed else 'OFF'}):    {t_cnnkit:7.1f} s  "
              f"{rate(t_cnnkit):6.1f} submissions/min")
        if "fresh" in seconds:
            print(f"cnnkit grade run --fresh-kernels:  {seconds['fresh']:7.1f} s  {rate(seconds['fresh']):6.1f} "
                  "submissions/min")
        if "open" in seconds:
            print(f"cnnkit grade run --no-sandbox:     {seconds['open']:7.1f} s  {rate(seconds['open']):6.1f} "
                  "submissions/min")
        if t_serial is not None:
            print(f"ratio (serial / cnnkit):           {t_serial / t_cnnkit:7.2f}x")
        if "fresh" in seconds:
            print(f"fork server gain (fresh / forked): {seconds['fresh'] / t_cnnkit:7.2f}x")
        if "open" in seconds:
            print(f"sandbox cost (on / off):           {t_cnnkit / seconds['open']:7.2f}x  "
                  f"({100 * (t_cnnkit / seconds['open'] - 1):+.0f}%)")
        print("where cnnkit's time goes, per submission (phases overlap across workers):")
        print(phase_table(batch.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
