"""``cnnkit train MODEL``: train a registered model on a dataset with the demo's steps."""

from __future__ import annotations

import os
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train a registered model (cnnkit.models.names()) on a dataset",
                                   description="Build MODEL with cnnkit.models.get, train it and save "
                                               "history, curves, confusion matrix, metrics and model to --out.")
    parser.add_argument("model", metavar="MODEL", help="registered model name, e.g. SimpleCNN, LeNet5, ResNet18")
    parser.add_argument("--dataset", default="fashion_mnist", help="fashion_mnist (default), mnist or digits")
    parser.add_argument("--epochs", type=int, default=2, help="passes over the training images (default 2)")
    parser.add_argument("--batch-size", type=int, default=128, help="images per step (default 128)")
    parser.add_argument("--learning-rate", type=float, default=1e-3,
                        help="Adam's learning rate (default 1e-3; with --recipe, the peak is a multiple of it)")
    parser.add_argument("--train-subset", type=int, default=None, metavar="N",
                        help="train on the first N training images only (a quick run)")
    parser.add_argument("--image-size", type=int, default=None, metavar="S",
                        help="resize images to SxS (e.g. 32 for LeNet5 or ResNet on 28x28 data)")
    parser.add_argument("--seed", type=int, default=0, help="seeds weights, shuffling and dropout (default 0)")
    parser.add_argument("--recipe", action="store_true",
                        help="train with the course's fast recipe (cnnkit.train.fit_with_recipe: warm-up + cosine, "
                             "weight averaging, precise BatchNorm) instead of plain model.fit")
    parser.add_argument("--strategy", choices=("mirrored", "multi-worker"), default=None,
                        help="tf.distribute: 'mirrored' = every GPU of this machine (Keras fit); 'multi-worker' = "
                             "the machines in TF_CONFIG, one command per machine (custom strategy.run loop)")
    parser.add_argument("--peer-timeout", type=float, default=300, metavar="SECONDS",
                        help="multi-worker: end this worker (exit status 142, 'Alarm clock') if the others have not "
                             "all started within SECONDS (default 300; 0 waits forever). A waiting worker ignores Ctrl-C.")
    parser.add_argument("--steps-per-epoch", type=int, default=None, metavar="N",
                        help="batches per epoch (default: one pass over the training data)")
    parser.add_argument("--out", default=None, metavar="DIR", help="output folder (default runs/<MODEL>-<dataset>)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's C++ start-up chatter
    from pathlib import Path

    from cnnkit.data import DataError, manifest
    from cnnkit.models import info
    from cnnkit.train.run import TRAIN_STEPS, TrainRun, run_steps

    if args.strategy:
        from cnnkit.train.distribute import read_tf_config
        from cnnkit.train.distributed_steps import DISTRIBUTED_STEPS as steps

        try:
            read_tf_config()  # a malformed TF_CONFIG fails here, before TensorFlow starts
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        import keras

        if keras.backend.backend() != "tensorflow":
            print(f"error: --strategy uses tf.distribute, but Keras runs on {keras.backend.backend()!r} here; "
                  "run with KERAS_BACKEND=tensorflow", file=sys.stderr)
            return 2
    else:
        steps = TRAIN_STEPS

    try:
        model_name = info(args.model).name
        dataset = manifest.canonical(args.dataset)
    except (KeyError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    out = Path(args.out or f"runs/{model_name}-{dataset}")
    run = TrainRun(out=out, dataset=dataset, model_name=model_name, epochs=args.epochs,
                   batch_size=args.batch_size, learning_rate=args.learning_rate,
                   train_subset=args.train_subset, image_size=args.image_size, seed=args.seed,
                   strategy=args.strategy, steps_per_epoch=args.steps_per_epoch, recipe=args.recipe,
                   peer_timeout=args.peer_timeout or None)
    try:
        run_steps(steps, run)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # e.g. an input too small for the architecture: the message says the fix
        hint = "; resize the images with --image-size (e.g. --image-size 32)" if "too small" in str(exc) else ""
        print(f"error: {exc}{hint}", file=sys.stderr)
        return 2
    return 0
