"""``cnnkit demo``: the main job on bundled defaults (see ``cnnkit.train.demo``)."""

from __future__ import annotations

import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="the main job: Fashion-MNIST → SimpleCNN analysis table → short training → report",
        description="Load verified Fashion-MNIST, print the seed-001 network's analysis table, train it "
                    "briefly and save history.json, curves.png, confusion.png, metrics.json, model.keras.")
    parser.add_argument("--epochs", type=int, default=2, help="training epochs (default 2)")
    parser.add_argument("--train-subset", type=int, default=None, metavar="N",
                        help="train on N randomly chosen training images (default: all 60,000)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/demo", metavar="DIR", help="output folder (default runs/demo)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ start-up chatter
    from cnnkit.data import DataError
    from cnnkit.train.demo import run_demo

    try:
        run_demo(out=args.out, epochs=args.epochs, train_subset=args.train_subset,
                 batch_size=args.batch_size, seed=args.seed)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
