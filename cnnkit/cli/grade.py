"""``cnnkit grade``: release the assignments, autograde a class (sandboxed), export a Gradescope autograder,
run the demo, train sample models."""

from __future__ import annotations

import sys
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser("grade", help="nbgrader course: release, autograde a class, demo")
    p.add_argument("--course", default=None, help="course folder (default: found from the current folder up)")
    sub = p.add_subparsers(dest="grade_command", metavar="STEP")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    r = sub.add_parser("run", help="autograde a folder <student>/<assignment>/ or an LMS zip")
    r.add_argument("submissions", help="folder <student>/<assignment>/... or an LMS .zip")
    r.add_argument("--assignment", action="append", help="only this assignment (repeatable; required for a zip)")
    r.add_argument("--workers", type=int, default=None, help="parallel submissions (default: CPU count)")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="grade on this Dask cluster's workers (each in its own sandbox; needs the dask extra); "
                        "the gradebook, report and feedback are still written here")
    r.add_argument("--out", default=None,
                   help="output folder (default: the course's autograder/work/, where its nbgrader_config.py "
                        "points formgrader, so `jupyter lab` in the course shows this run)")
    r.add_argument("--db", default=None, help="gradebook URL (default sqlite:///OUT/gradebook.db; postgresql://... works)")
    r.add_argument("--no-sandbox", action="store_true",
                   help="run notebooks without bubblewrap (only for code you trust; every row is marked)")
    r.add_argument("--fresh-kernels", action="store_true",
                   help="start every sandboxed kernel afresh (TensorFlow imported each time) instead of forking it "
                        "from a fork server that imported it once: slower, the same sandbox")
    r.add_argument("--run-as", default=None, metavar="USER",
                   help="with --no-sandbox, as root: run each notebook as this dedicated unprivileged user "
                        "(one at a time; every process it leaves is killed)")
    r.add_argument("--referee-as", default=None, metavar="USER",
                   help="with --run-as: run the referee as this second dedicated user")
    budgets = r.add_argument_group("budgets (default: each assignment's assignment.toml [limits])")
    budgets.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    budgets.add_argument("--training-timeout", type=int, default=None, help="seconds per cell tagged 'training'")
    budgets.add_argument("--submission-timeout", type=int, default=None, help="seconds per submission")
    budgets.add_argument("--memory-limit", type=int, default=None, help="MB of memory per notebook")
    r.add_argument("--zip-regex", default=None, help="nbgrader FileNameCollectorPlugin.named_regexp for a zip")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)

    rel = sub.add_parser("release", help="regenerate assignments/ from solutions/ (nbgrader generate_assignment)")
    rel.add_argument("assignment", nargs="*", help="assignments to release (default: all)")
    rel.add_argument("--bundle", nargs="?", const="dist/bundles", default=None, metavar="DIR",
                     help="also write DIR/<assignment>.zip for students: notebook, its files, the cnnkit "
                          "wheel and a README (default DIR: dist/bundles)")
    rel.add_argument("--wheel", default=None, help="the cnnkit wheel to bundle (default: built from this checkout)")
    rel.set_defaults(func=_release)

    x = sub.add_parser("export", help="an autograder for another platform: gradescope")
    x.add_argument("platform", choices=["gradescope"], help="where the autograder runs")
    x.add_argument("assignment", help="the assignment to export (a folder of solutions/)")
    x.add_argument("--out", default="dist/gradescope", help="output folder (default dist/gradescope)")
    x.add_argument("--wheel", default=None, help="the cnnkit wheel to ship (default: built from this checkout)")
    x.add_argument("--hidden-tests", default="after_published",
                   choices=["after_published", "after_due_date", "visible"],
                   help="when students see the outcome of tests with hidden checks (default after_published)")
    x.set_defaults(func=_export)

    d = sub.add_parser("demo", help="the instructor flow on the sample class (autograder/examples/students/)")
    d.add_argument("--out", default="autograder/out")
    d.add_argument("--workers", type=int, default=None)
    d.add_argument("--no-sandbox", action="store_true")
    d.set_defaults(func=_demo)

    m = sub.add_parser("sample-models", help="train the sample class's model files with each student's notebook and seed")
    m.add_argument("student", nargs="*", help="students (default: all with a seed)")
    m.add_argument("--budget", default="full")
    m.set_defaults(func=_sample_models)


def _course(args):
    from cnnkit.grading.course import Course

    return Course(Path(args.course).resolve()) if args.course else Course.find()


def _fail(message: str) -> int:
    print(f"cnnkit grade: {message}", file=sys.stderr)
    return 2


def _errors():
    from cnnkit.checks.assignment import ConfigError
    from cnnkit.grading.authoring.pairing import PairingError
    from cnnkit.grading.cluster import ClusterError
    from cnnkit.grading.executor import SandboxUnavailable
    from cnnkit.grading.sandbox.identity import RunAsError

    return (FileNotFoundError, ValueError, ConfigError, PairingError, SandboxUnavailable, RunAsError,
            ClusterError)


def _run(args) -> int:
    from cnnkit.grading.batch import grade_class
    from cnnkit.grading.report import grade_table

    if not Path(args.submissions).exists():
        return _fail(f"{args.submissions}: no such folder or zip — expected <student>/<assignment>/ folders "
                     "or an LMS .zip")
    if args.scheduler and args.workers:
        return _fail("--workers and --scheduler: with a Dask scheduler the cluster's workers grade — start "
                     "`dask worker` with --nthreads instead")
    limits = {"cell_timeout": args.cell_timeout, "training_timeout": args.training_timeout,
              "submission_timeout": args.submission_timeout, "memory_mb": args.memory_limit}
    if (args.run_as or args.referee_as) and not args.no_sandbox:
        return _fail("--run-as / --referee-as are for grading without the sandbox: add --no-sandbox "
                     "(the sandbox already runs notebooks as an unprivileged user of their own)")
    try:
        from cnnkit.grading.sandbox.identity import RunAs

        run_as = RunAs.lookup(args.run_as) if args.run_as else None
        referee_as = RunAs.lookup(args.referee_as) if args.referee_as else None
        course = _course(args)
        batch = grade_class(args.submissions, out=args.out or course.work, course=course, assignments=args.assignment,
                            workers=args.workers, db_url=args.db, limits=limits, zip_regex=args.zip_regex,
                            sandbox=not args.no_sandbox, progress=not args.no_progress, run_as=run_as,
                            referee_as=referee_as, scheduler=args.scheduler, fork_server=not args.fresh_kernels)
    except _errors() as exc:
        return _fail(str(exc))
    print(grade_table(batch.results))
    if not batch.sandboxed:
        print("\nWARNING: graded without the sandbox (--no-sandbox); the report marks every row", file=sys.stderr)
    print(f"\ngrades: {batch.grades_csv}\nreport: {batch.out / 'report.md'}\nfeedback: {batch.feedback_dir}")
    return 0


def _release(args) -> int:
    from cnnkit.grading.course import release

    from cnnkit.grading.bundle import bundle

    try:
        course = _course(args)
        for path in release(course, args.assignment or None):
            print(f"released {path}")
        if args.bundle:
            for path in bundle(course, args.assignment or None, out=args.bundle, wheel=args.wheel):
                print(f"bundled {path}")
    except (*_errors(), RuntimeError) as exc:
        return _fail(str(exc))
    return 0


def _export(args) -> int:
    from cnnkit.grading.gradescope.export import ExportError, export

    try:
        course = _course(args)
        path = export(course, args.assignment, args.out, wheel=args.wheel, hidden_visibility=args.hidden_tests)
    except (*_errors(), ExportError, RuntimeError) as exc:
        return _fail(str(exc))
    import json

    manifest = json.loads(path.with_suffix(".json").read_text())
    print(f"wrote {path}")
    print(f"On Gradescope: a Programming Assignment, \"Upload your autograder file\": this zip "
          f"(Ubuntu base image); autograder points: {manifest['autograder_points']:g}.")
    if manifest["manual"]:
        print("Add these manually graded questions in Gradescope's outline: "
              + ", ".join(f"{g} ({p:g} points)" for g, p in manifest["manual"].items()))
    print(f"Students upload {args.assignment}.ipynb" + "".join(
        f" and {f}" for f in course.assignment(args.assignment).config.handin.files) + ".")
    return 0


def _demo(args) -> int:
    from cnnkit.grading.pipeline import demo_flow

    try:
        demo_flow(args.out, course=_course(args), workers=args.workers, sandbox=not args.no_sandbox)
    except _errors() as exc:
        return _fail(str(exc))
    return 0


def _sample_models(args) -> int:
    from cnnkit.grading.samples import train_models

    for path in train_models(_course(args), args.student or None, budget=args.budget):
        print(f"wrote {path}")
    return 0
