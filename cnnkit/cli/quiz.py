"""``cnnkit quiz``: list the question families, make a quiz (key + LMS files), grade responses."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "quiz", help="shape / parameter / cost quizzes: make, export, grade",
        description="Generate seeded per-student quizzes with Keras-checked keys, export them to the LMS, grade them.")
    sub = parser.add_subparsers(dest="quiz_command", metavar="ACTION")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    fam = sub.add_parser("families", help="list the question families and levels")
    fam.set_defaults(func=_families)

    make = sub.add_parser("make", help="generate a quiz, its key.json and the LMS/paper files")
    make.add_argument("--family", default="all",
                      help="family or comma-separated families (default: all; see `cnnkit quiz families`)")
    make.add_argument("--level", default="easy", help="easy, medium, hard or lectures (the seeds' worked examples)")
    make.add_argument("--count", type=int, default=3, help="questions per family (default 3)")
    make.add_argument("--seed", type=int, default=0, help="seed: the same seed and roster give the same quiz")
    make.add_argument("--students", metavar="ROSTER.csv", help="roster with a 'student' column: one variant each")
    make.add_argument("--spec", metavar="QUESTIONS.jsonl", help="extra questions from explicit numbers, one JSON a line")
    make.add_argument("--format", default="all", help="comma-separated: gift,xml,canvas,blackboard,markdown,pdf (default all)")
    make.add_argument("--out", required=True, metavar="DIR", help="folder for key.json and the exports")
    make.add_argument("--title", help="quiz title (default from the families and level)")
    make.add_argument("--mac-tolerance", type=float, default=0.0, metavar="FRACTION",
                      help="accept MAC answers within this fraction (0.01 = 1%%); default exact")
    make.add_argument("--no-verify", action="store_true", help="skip the Keras cross-check of every key (faster)")
    make.set_defaults(func=_make)

    grade = sub.add_parser("grade", help="grade a responses CSV against key.json")
    grade.add_argument("key", help="key.json written by `cnnkit quiz make`")
    grade.add_argument("responses", help="CSV: student,q1,q2,... one row per student")
    grade.add_argument("--out", metavar="GRADES.csv", help="write scores per student and question")
    grade.add_argument("--feedback", metavar="FEEDBACK.md", help="write the explanation of every wrong answer")
    grade.add_argument("--strict", action="store_true", help="stop at the first row that cannot be graded")
    grade.set_defaults(func=_grade)


def _guard(fn):
    def run(args) -> int:
        from cnnkit.quiz import QuizError

        try:
            return fn(args)
        except QuizError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return run


@_guard
def _families(args) -> int:
    from cnnkit.quiz import LEVELS, family_names
    from cnnkit.quiz.families import get

    for name in family_names():
        fam = get(name)
        print(f"{name:16s} {fam.TITLE}")
    print(f"\nlevels: {', '.join(LEVELS)} (lectures: the worked examples of the lecture decks)")
    return 0


@_guard
def _make(args) -> int:
    from pathlib import Path

    from cnnkit.quiz import export, load_specs, make_quiz, read_roster

    students = read_roster(args.students) if args.students else None
    extra = load_specs(args.spec) if args.spec else None
    quiz = make_quiz(args.family, args.level, args.count, args.seed, students, title=args.title,
                     mac_tolerance=args.mac_tolerance, verify=not args.no_verify, extra=extra)
    out = Path(args.out)
    written = [quiz.save_key(out / "key.json")]
    for paths in export(quiz, args.format, out).values():
        written += paths
    for note in quiz.notes:
        print(f"note: {note}", file=sys.stderr)
    n = len(quiz.question_ids)
    check = "keys cross-checked in Keras" if quiz.verified else "keys NOT cross-checked (--no-verify)"
    print(f"{len(quiz.variants)} variant(s) x {n} questions; {check}; wrote {len(written)} files to {out}/")
    for path in written:
        print(f"  {path}")
    return 0


@_guard
def _grade(args) -> int:
    from pathlib import Path

    from cnnkit.quiz import grade

    report = grade(args.key, args.responses, strict=args.strict)
    n = len(report.quiz.question_ids)
    for r in report.results:
        status = "" if r.line is not None else "  (no answers in the responses file)"
        print(f"{r.student:20s} {r.score}/{n}{status}")
        for m in r.marks:
            if not m.correct and r.line is not None:
                print(f"    {m.question}: {m.feedback}")
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.out:
        print(f"wrote {report.write_csv(args.out)}")
    if args.feedback:
        Path(args.feedback).write_text(report.feedback() + "\n", encoding="utf-8")
        print(f"wrote {args.feedback}")
    return 0


def main(argv=None) -> int:
    """``python -m cnnkit.cli.quiz ...``: the same as ``cnnkit quiz ...``."""
    parser = argparse.ArgumentParser(prog="cnnkit")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["quiz", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
