"""``cnnkit demo``: the main job on bundled defaults.

The training steps of ``cnnkit.train.demo`` (data, analysis table, short training, report), then the
instructor flow of ``cnnkit.grading.pipeline`` on the sample class (release, parallel autograde,
grade table, feedback).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="the main job: analysis table, short training, then grading the sample class",
        description="Load verified Fashion-MNIST, print the seed-001 network's analysis table, train it "
                    "briefly and save history.json, curves.png, confusion.png, metrics.json, model.keras; "
                    "then regenerate assignments/, autograde the sample class in autograder/examples/ "
                    "and print its grade table.")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs (default 2)")
    parser.add_argument("--train-subset", type=int, default=None, metavar="N",
                        help="train on N randomly chosen training images (default: all 60,000)")
    parser.add_argument("--batch-size", type=int, default=128, help="images per step (default 128)")
    parser.add_argument("--seed", type=int, default=0, help="seeds weights, shuffling and dropout (default 0)")
    parser.add_argument("--plain", action="store_true",
                        help="train with plain model.fit instead of the course's recipe (cnnkit.train.fit_with_recipe)")
    parser.add_argument("--out", default="runs/demo", metavar="DIR", help="output folder (default runs/demo)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parallel grading workers (default: one per CPU core)")
    parser.add_argument("--skip-training", action="store_true", help="only run the grading demo")
    parser.add_argument("--skip-grading", action="store_true", help="only run the training demo")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade the sample class without bubblewrap (used anyway, with a warning, "
                             "when the sandbox cannot run here)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ start-up chatter
    from cnnkit.data import DataError
    from cnnkit.train.demo import DEMO_STEPS, run_demo
    from cnnkit.train.run import Step

    def grade_sample_class(run):
        from cnnkit.grading.pipeline import demo_flow
        from cnnkit.grading.sandbox.support import probe

        sandbox = not args.no_sandbox
        if sandbox and not probe().ok:
            print(f"WARNING: {probe().message()}\nThe demo grades WITHOUT the sandbox; `cnnkit grade run` "
                  "would refuse (or need --no-sandbox).", file=sys.stderr)
            sandbox = False
        print(f"grading the sample class {'in the bubblewrap sandbox' if sandbox else 'WITHOUT the sandbox'}")
        demo_flow(Path(run.out) / "grading", workers=args.workers, sandbox=sandbox)

    steps = [] if args.skip_training else list(DEMO_STEPS)
    if not args.skip_grading:
        steps.append(Step("instructor flow: release, autograde the sample class, grade table",
                          grade_sample_class))
    try:
        run_demo(out=args.out, epochs=args.epochs, train_subset=args.train_subset, recipe=not args.plain,
                 batch_size=args.batch_size, seed=args.seed, steps=steps)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
