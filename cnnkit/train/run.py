"""A training run as a list of steps sharing one ``TrainRun`` record (used by ``cnnkit demo`` and ``cnnkit train``).

Each step is a ``Step(title, func)``; ``func(run)`` reads and fills the record. A later step
(e.g. grading) is appended to a list without touching the others.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np


@dataclass
class TrainRun:
    """Options of a run (first block) and what its steps produce (second block)."""

    out: Path
    dataset: str = "fashion_mnist"
    model_name: str = "SimpleCNN"
    epochs: int = 2
    batch_size: int = 128
    train_subset: int | None = None
    val_fraction: float = 0.1
    seed: int = 0
    learning_rate: float = 1e-3
    image_size: int | None = None
    recipe: bool = False  # train with cnnkit.train.fit_with_recipe (in-memory arrays, native image size)
    strategy: str | None = None  # tf.distribute: "mirrored" or "multi-worker" (see distributed_steps)
    steps_per_epoch: int | None = None
    peer_timeout: float | None = None  # multi-worker: seconds to wait for the other workers
    verbose: str | int = "auto"
    log: Callable[[str], None] = print

    train: tuple | None = None
    val: tuple | None = None
    test: tuple | None = None
    class_names: list[str] = field(default_factory=list)
    model: object = None
    history: dict | None = None
    report: object = None
    distributed: object = None  # a DistributedFit under a strategy
    artifacts: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    title: str
    func: Callable[[TrainRun], None]


def run_steps(steps: list[Step], run: TrainRun) -> TrainRun:
    """Run ``steps`` in order, printing ``[i/n] title`` before each and timing it."""
    run.out = Path(run.out)
    for i, step in enumerate(steps, 1):
        run.log(f"\n[{i}/{len(steps)}] {step.title}")
        start = time.perf_counter()
        step.func(run)
        run.seconds[step.title] = round(time.perf_counter() - start, 2)
    return run


def load_data(run: TrainRun) -> None:
    """Verified dataset → (optional seeded subset) → train/validation split; the test set stays apart."""
    from cnnkit.data import class_names, dataset_dir, load, manifest
    from cnnkit.data.pipeline import train_val_split

    (x, y), run.test = load(run.dataset)
    run.class_names = class_names(run.dataset)
    if run.train_subset:
        keep = np.random.default_rng(run.seed).permutation(len(x))[: int(run.train_subset)]
        x, y = x[keep], y[keep]
    run.train, run.val = train_val_split(x, y, run.val_fraction, seed=run.seed)
    where = "scikit-learn" if run.dataset == "digits" else f"SHA-256 verified, {dataset_dir(run.dataset)}"
    title = manifest.entry(run.dataset)["title"]
    run.log(f"{title}: {len(run.train[0])} train / {len(run.val[0])} validation / "
            f"{len(run.test[0])} test images of {'x'.join(map(str, x.shape[1:]))} ({where})")


def _input_shape(run: TrainRun) -> tuple:
    h, w, c = run.train[0].shape[1:]
    return (run.image_size, run.image_size, c) if run.image_size else (h, w, c)


def build_registered_model(run: TrainRun) -> None:
    """``cnnkit.models.get(model_name)`` sized for the dataset's images and classes."""
    from cnnkit.models import get

    run.model = get(run.model_name, input_shape=_input_shape(run), classes=len(run.class_names))
    run.log(f"{run.model.name}: {run.model.count_params():,} parameters")


def print_summary(run: TrainRun) -> None:
    """The analysis table (shapes, parameters, MACs, receptive field) from ``cnnkit.analysis.summarize``."""
    from cnnkit.analysis import summarize

    run.log(str(summarize(run.model)))


def train(run: TrainRun) -> None:
    """Seeded ``fit`` with the Keras progress bar; history saved as JSON."""
    from cnnkit.train.training import fit
    from cnnkit.train.history import history_dict
    from cnnkit.train.seed import set_seed

    set_seed(run.seed)
    path = run.out / "history.json"
    if run.recipe:
        history = _train_with_recipe(run, path)
    else:
        history = fit(run.model, run.train, run.val, epochs=run.epochs, batch_size=run.batch_size,
                      history_path=path, verbose=run.verbose, seed=run.seed,
                      learning_rate=run.learning_rate, image_size=run.image_size)
    run.history = history_dict(history)
    run.artifacts["history"] = path


def _train_with_recipe(run: TrainRun, path: Path):
    """The course's fast recipe on top of the usual compile (Adam at ``learning_rate``, sparse cross-entropy)."""
    import numpy as np

    from cnnkit.data.transforms import scale
    from cnnkit.train.history import save_history
    from cnnkit.train.recipe import Recipe, fit_with_recipe
    from cnnkit.train.training import compile_classifier

    if run.image_size is not None:
        raise ValueError("the recipe trains on the images at their own size: drop --image-size or --recipe")

    def scaled(data):
        x, y = data
        return (scale(x) if x.dtype == np.uint8 else x), y

    if not getattr(run.model, "compiled", False):
        compile_classifier(run.model, learning_rate=run.learning_rate)
    x, y = scaled(run.train)
    history = fit_with_recipe(run.model, x, y, recipe=Recipe(epochs=run.epochs, batch_size=run.batch_size),
                              validation_data=None if run.val is None else scaled(run.val),
                              verbose=run.verbose, seed=run.seed)
    save_history(history, path)
    return history


def evaluate(run: TrainRun) -> None:
    """Test-set accuracy, per-class precision/recall/F1 and confusion matrix."""
    from cnnkit.train.metrics import evaluate_classifier

    x_test, y_test = run.test
    run.report = evaluate_classifier(run.model, x_test, y_test, run.class_names, image_size=run.image_size)
    run.log(run.report.text())
    run.log(f"test accuracy: {run.report.accuracy:.4f}")


def save(run: TrainRun) -> None:
    """Curves and confusion PNGs, metrics JSON and the ``.keras`` model under ``run.out``."""
    from cnnkit.viz import plot_confusion_matrix, plot_history

    out = run.out
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "curves": out / "curves.png",
        "confusion": out / "confusion.png",
        "metrics": out / "metrics.json",
        "model": out / "model.keras",
    }
    plot_history(run.history, paths["curves"], title=f"{run.model.name} on {run.dataset}")
    plot_confusion_matrix(run.report.confusion_matrix, run.class_names, paths["confusion"],
                          title=f"{run.model.name}: test set, accuracy {run.report.accuracy:.3f}")
    metrics = {
        "dataset": run.dataset,
        "model": run.model.name,
        "params": int(run.model.count_params()),
        "epochs": run.epochs,
        "batch_size": run.batch_size,
        "seed": run.seed,
        "train_examples": len(run.train[0]),
        "val_examples": len(run.val[0]),
        **run.report.to_dict(),
        "seconds": run.seconds,
    }
    paths["metrics"].write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    run.model.save(paths["model"])
    run.artifacts.update(paths)
    run.log("saved:")
    for name, path in run.artifacts.items():
        run.log(f"  {name:<9} {path}")


TRAIN_STEPS = [
    Step("load data", load_data),
    Step("build the model", build_registered_model),
    Step("analysis table", print_summary),
    Step("train", train),
    Step("evaluate on the test set", evaluate),
    Step("save results", save),
]
