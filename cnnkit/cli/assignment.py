"""``cnnkit assignment``: author an assignment — scaffold, sync the text and .ipynb, check, calibrate."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("assignment", help="author assignments: new, sync, check, calibrate")
    p.add_argument("--course", default=None, help="course folder (default: found from the current folder up)")
    sub = p.add_subparsers(dest="assignment_command", metavar="STEP")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    n = sub.add_parser("new", help="scaffold solutions/NAME/ (text source, .ipynb, assignment.toml)")
    n.add_argument("name", help="e.g. 11-my-topic")
    n.add_argument("--title", default=None)
    n.add_argument("--minutes", type=int, default=60, help="expected working time (default 60)")
    n.set_defaults(func=_new)

    s = sub.add_parser("sync", help="make the text source and the .ipynb say the same (newer wins)")
    s.add_argument("name", nargs="*", help="assignments (default: all)")
    s.add_argument("--from", dest="source", choices=("auto", "text", "ipynb"), default="auto",
                   help="which one to keep: the newer (auto, default), the text source or the .ipynb")
    s.set_defaults(func=_sync)

    c = sub.add_parser("check", help="validate every assignment folder and the committed release")
    c.add_argument("name", nargs="*", help="assignments (default: all)")
    c.set_defaults(func=_check)

    k = sub.add_parser("calibrate", help="train the solution with several seeds and record the pass marks")
    k.add_argument("name")
    k.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    k.add_argument("--margin", type=float, default=0.03, help="pass mark = min accuracy - margin (default 0.03)")
    k.add_argument("--budget", default="full", help="the recipe to train with: full (default) or small")
    k.set_defaults(func=_calibrate)


def _course(args):
    from cnnkit.grading.course import Course

    return Course(__import__("pathlib").Path(args.course).resolve()) if args.course else Course.find()


def _fail(message: str) -> int:
    print(f"cnnkit assignment: {message}", file=sys.stderr)
    return 2


def _new(args) -> int:
    from cnnkit.grading.authoring.scaffold import new_assignment

    try:
        folder = new_assignment(_course(args), args.name, args.title, args.minutes)
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        return _fail(str(exc))
    print(f"created {folder}: edit {args.name}.pct.py (or the .ipynb in JupyterLab), then "
          f"`cnnkit assignment sync {args.name}`, `cnnkit grade release {args.name}` (after "
          f"`cnnkit assignment calibrate {args.name}` if it grades a trained model) and "
          f"`cnnkit assignment check {args.name}`")
    return 0


def _sync(args) -> int:
    from cnnkit.grading.authoring.pairing import PairingError

    try:
        course = _course(args)
        for a in course.assignments(args.name or None):
            source = a.pair.sync(args.source, release=a.config.release)
            print(f"{a.name}: in sync (from the {'text source' if source == 'text' else '.ipynb'})")
    except (PairingError, FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    return 0


def _check(args) -> int:
    from cnnkit.grading.authoring.validate import check_course

    try:
        report = check_course(_course(args), args.name or None)
    except FileNotFoundError as exc:
        return _fail(str(exc))
    bad = 0
    for name, problems in report.items():
        if problems:
            bad += len(problems)
            print(f"{name}:")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"{name}: ok")
    if bad:
        print(f"\n{bad} problem(s)", file=sys.stderr)
        return 1
    return 0


def _calibrate(args) -> int:
    from cnnkit.grading.calibrate import calibrate

    try:
        calibrate(_course(args).assignment(args.name), args.seeds, margin=args.margin, budget=args.budget)
    except (ValueError, FileNotFoundError) as exc:
        return _fail(str(exc))
    print(f"written to solutions/{args.name}/assignment.toml; run `cnnkit assignment sync {args.name}` if the "
          "notebook states the pass mark, then `cnnkit grade release`")
    return 0
