"""Calibrate pass thresholds: train the reference recipe with several seeds, record the accuracies.

The threshold is the reference's minimum test accuracy minus a stated margin (rounded down to
0.001), so a student who follows the recipe passes whatever their seed or hardware.
``cnnkit grade calibrate 03-first-cnn --seeds 3`` calls :func:`calibrate`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import statistics
import time
from pathlib import Path

from cnnkit.grading import thresholds as _thresholds

__all__ = ["RECIPES", "DEFAULT_MARGIN", "calibrate", "threshold_from", "fashion_cnn_recipe",
           "preprocess_fashion", "register_cli"]

DEFAULT_MARGIN = 0.03
# The notebook 03 recipe (its solution cell trains exactly this).
FASHION_CNN = {"optimizer": "adam", "learning_rate": 1e-3, "batch_size": 128, "epochs": 5,
               "validation_split": 0.1, "loss": "sparse_categorical_crossentropy"}


def preprocess_fashion(images):
    """uint8 HxWx1 images → float32 in [0, 1], the scaling notebook 03 teaches."""
    import numpy as np

    x = np.asarray(images, dtype="float32") / 255.0
    return x[..., None] if x.ndim == 3 else x


def fashion_cnn_recipe(seed: int, epochs: int | None = None, verbose: int = 2):
    """Train SimpleCNN (seed 001's network) on Fashion-MNIST; returns (model, test accuracy)."""
    import keras

    from cnnkit.data import load
    from cnnkit.grading.checks import evaluate_accuracy
    from cnnkit.models import SimpleCNN

    (x_train, y_train), (x_test, y_test) = load("fashion_mnist")
    keras.utils.set_random_seed(seed)
    model = SimpleCNN()
    model.compile(optimizer=keras.optimizers.Adam(FASHION_CNN["learning_rate"]),
                  loss=FASHION_CNN["loss"], metrics=["accuracy"])
    model.fit(preprocess_fashion(x_train), y_train, batch_size=FASHION_CNN["batch_size"],
              epochs=epochs or FASHION_CNN["epochs"], validation_split=FASHION_CNN["validation_split"],
              verbose=verbose)
    return model, evaluate_accuracy(model, (preprocess_fashion(x_test), y_test))


RECIPES = {"03-first-cnn": (fashion_cnn_recipe, FASHION_CNN, "fashion_mnist test split (10,000 images)")}


def threshold_from(accuracies, margin: float = DEFAULT_MARGIN) -> float:
    """min(accuracies) − margin, rounded down to 0.001."""
    return math.floor((min(accuracies) - margin) * 1000 + 1e-9) / 1000


def _checkout_root() -> Path:
    here = Path(__file__).resolve().parents[2]
    return here if (here / "autograder").is_dir() else Path.cwd()


def calibrate(assignment: str, seeds: int = 3, epochs: int | None = None,
              margin: float = DEFAULT_MARGIN, out=None, models_dir=None, verbose: int = 2) -> dict:
    """Train ``assignment``'s reference recipe with seeds 0..seeds-1 and record the threshold.

    Writes the record into ``out`` (default: the packaged thresholds.json, keyed by assignment)
    and each seed's model as ``<models_dir>/<assignment>-seed<N>.keras`` (default
    ``autograder/calibration``). Returns the record.
    """
    if assignment not in RECIPES:
        raise ValueError(f"no calibration recipe for {assignment!r}; known: {sorted(RECIPES)}")
    if seeds < 1:
        raise ValueError(f"seeds must be >= 1, got {seeds}")
    recipe, settings, dataset = RECIPES[assignment]
    models_dir = Path(models_dir) if models_dir else _checkout_root() / "autograder" / "calibration"
    models_dir.mkdir(parents=True, exist_ok=True)
    per_seed, start = {}, time.time()
    for seed in range(seeds):
        t0 = time.time()
        model, acc = recipe(seed, epochs=epochs, verbose=verbose)
        model.save(models_dir / f"{assignment}-seed{seed}.keras")
        per_seed[str(seed)] = round(acc, 4)
        if verbose:
            print(f"{assignment} seed {seed}: test accuracy {acc:.4f} ({time.time() - t0:.0f} s)")
    import keras
    import tensorflow as tf

    accs = list(per_seed.values())
    record = {
        "metric": "test_accuracy",
        "dataset": dataset,
        "recipe": {**settings, "epochs": epochs or settings["epochs"]},
        "per_seed": per_seed,
        "mean": round(statistics.fmean(accs), 4),
        "min": min(accs),
        "max": max(accs),
        "margin": margin,
        "threshold": threshold_from(accs, margin),
        "rule": "threshold = floor_0.001(min over seeds - margin)",
        "models": [str((models_dir / f"{assignment}-seed{s}.keras").name) for s in per_seed],
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "calibrated_on": _dt.date.today().isoformat(),
        "seconds": round(time.time() - start),
    }
    out = Path(out) if out else _thresholds.thresholds_path()
    data = _thresholds.load(out)
    data[assignment] = record
    out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    if verbose:
        print(f"{assignment}: mean {record['mean']:.4f}, min {record['min']:.4f}, margin {margin} "
              f"→ threshold {record['threshold']:.3f} written to {out}")
    return record


def register_cli(subparsers) -> None:
    """Add ``calibrate`` to the ``cnnkit grade`` sub-commands."""
    p = subparsers.add_parser("calibrate", help="train the reference with several seeds and record the pass threshold")
    p.add_argument("assignment", choices=sorted(RECIPES))
    p.add_argument("--seeds", type=int, default=3, help="number of seeds (0..N-1), default 3")
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs")
    p.add_argument("--margin", type=float, default=DEFAULT_MARGIN,
                   help=f"threshold = min accuracy - margin (default {DEFAULT_MARGIN})")
    p.add_argument("--out", default=None, help="thresholds JSON to update (default: the packaged one)")
    p.add_argument("--models-dir", default=None, help="where to save each seed's model")
    p.set_defaults(func=_cli_main)


def _cli_main(args) -> int:
    calibrate(args.assignment, seeds=args.seeds, epochs=args.epochs, margin=args.margin,
              out=args.out, models_dir=args.models_dir)
    return 0
