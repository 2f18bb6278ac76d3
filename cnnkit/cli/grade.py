"""``cnnkit grade``: release the assignments, autograde a class, run the demo, calibrate thresholds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("grade", help="nbgrader course: release, autograde a class, demo, calibrate")
    sub = p.add_subparsers(dest="grade_command", metavar="STEP")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    r = sub.add_parser("run", help="autograde a folder <student>/<assignment>/ or an LMS zip")
    r.add_argument("submissions", help="folder <student>/<assignment>/... or an LMS .zip")
    r.add_argument("--assignment", action="append", help="only this assignment (repeatable; required for a zip)")
    r.add_argument("--workers", type=int, default=None, help="parallel workers (default: CPU count)")
    r.add_argument("--out", default="autograder/out", help="output folder (default autograder/out)")
    r.add_argument("--db", default=None, help="gradebook URL (default sqlite:///OUT/gradebook.db; postgresql://... works)")
    r.add_argument("--source", default=None, help="nbgrader source folder (default solutions/)")
    r.add_argument("--cell-timeout", type=int, default=120, help="seconds per cell (default 120)")
    r.add_argument("--training-timeout", type=int, default=900, help="seconds per cell tagged 'training' (default 900)")
    r.add_argument("--submission-timeout", type=int, default=1800, help="seconds per submission (default 1800)")
    r.add_argument("--memory-limit", type=int, default=4096, help="MB of RAM per notebook (default 4096)")
    r.add_argument("--zip-regex", default=None, help="nbgrader FileNameCollectorPlugin.named_regexp for a zip")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)

    rel = sub.add_parser("release", help="regenerate assignments/ from solutions/ (nbgrader generate_assignment)")
    rel.add_argument("assignment", nargs="*", help="assignments to release (default: all)")
    rel.set_defaults(func=_release)

    d = sub.add_parser("demo", help="the instructor flow on the sample class in autograder/examples/")
    d.add_argument("--out", default="autograder/out")
    d.add_argument("--workers", type=int, default=None)
    d.set_defaults(func=lambda args: _demo(args))

    try:
        from cnnkit.grading.calibrate import register_cli
    except ImportError:  # the calibration module is optional for grading
        return
    register_cli(sub)


def _fail(message: str) -> int:
    print(f"cnnkit grade: {message}", file=sys.stderr)
    return 2


def _run(args) -> int:
    from cnnkit.grading.batch import grade_class
    from cnnkit.grading.course import SOLUTIONS
    from cnnkit.grading.limits import Limits
    from cnnkit.grading.report import grade_table

    try:
        limits = Limits(args.cell_timeout, args.training_timeout, args.submission_timeout, args.memory_limit)
        if not Path(args.submissions).exists():
            return _fail(f"{args.submissions}: no such folder or zip — expected <student>/<assignment>/ folders "
                         "or an LMS .zip")
        batch = grade_class(args.submissions, out=args.out, assignments=args.assignment,
                            source=args.source or SOLUTIONS, workers=args.workers, db_url=args.db, limits=limits,
                            zip_regex=args.zip_regex, progress=not args.no_progress)
    except (FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    print(grade_table(batch.results))
    print(f"\ngrades: {batch.grades_csv}\nreport: {batch.out / 'report.md'}\nfeedback: {batch.feedback_dir}")
    return 0


def _release(args) -> int:
    from cnnkit.grading.course import release

    try:
        for path in release(args.assignment or None):
            print(f"released {path}")
    except (FileNotFoundError, RuntimeError) as exc:
        return _fail(str(exc))
    return 0


def _demo(args) -> int:
    from cnnkit.grading.pipeline import demo_flow

    demo_flow(args.out, workers=args.workers)
    return 0


def main(argv=None) -> int:  # pragma: no cover - `python -m cnnkit.cli.grade`
    parser = argparse.ArgumentParser(prog="cnnkit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["grade", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)
