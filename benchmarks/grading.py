"""Grade the sample class twice in one run: plain serial ``nbgrader autograde``, then the parallel pipeline.

Both use the same course configuration (time limits, training-cell budget, feedback without hidden
test source) and both produce scores and feedback HTML; only the scheduling differs. Prints both
wall-clock times and their ratio.

    .venv/bin/python benchmarks/grading.py [--workers N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from cnnkit.grading.batch import grade_class
from cnnkit.grading.course import EXAMPLES, SOLUTIONS, assignment_names, config_text, nbgrader, sqlite_url
from cnnkit.grading.pipeline import DEMO_LIMITS


def serial(submissions: Path, root: Path) -> tuple[float, list[str]]:
    """One nbgrader course, ``nbgrader generate_assignment`` + ``autograde`` + ``generate_feedback`` per assignment."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(config_text(
        root=root, source=SOLUTIONS, release=root / "release", work=root, db_url=sqlite_url(root / "gradebook.db"),
        limits=DEMO_LIMITS))
    shutil.copytree(submissions, root / "submitted")
    notes = []
    start = time.perf_counter()
    for a in assignment_names(SOLUTIONS):
        for step in (["generate_assignment", a, "--force"], ["autograde", a], ["generate_feedback", a]):
            done = nbgrader(step, cwd=root)
            if done.returncode:
                notes.append(f"nbgrader {' '.join(step)} exited {done.returncode} (a broken submission; "
                             "nbgrader skips it and fails at the end)")
    return time.perf_counter() - start, notes


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=os.cpu_count())
    args = p.parse_args(argv)
    submissions = EXAMPLES / "submissions"
    n = sum(1 for s in submissions.iterdir() if s.is_dir() for _ in s.iterdir())
    with tempfile.TemporaryDirectory(prefix="cnnkit-bench-") as tmp:
        tmp = Path(tmp)
        print(f"sample class: {n} submissions, {os.cpu_count()} CPU cores")
        t_serial, notes = serial(submissions, tmp / "serial")
        for note in notes:
            print("  " + note)
        print(f"serial   nbgrader autograde:       {t_serial:7.1f} s")
        start = time.perf_counter()
        grade_class(submissions, out=tmp / "parallel", workers=args.workers, limits=DEMO_LIMITS, progress=False)
        t_parallel = time.perf_counter() - start
        print(f"parallel pipeline ({args.workers} workers):   {t_parallel:7.1f} s")
        print(f"ratio serial / parallel:          {t_serial / t_parallel:7.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
