"""Grade trained models without retraining: train-and-save in the student's run, load when autograding.

nbgrader sets ``NBGRADER_EXECUTION`` ("autograde" or "validate") while it runs a notebook; then
:func:`fit_or_load` loads the ``.keras`` file the student submitted beside the notebook instead
of training, after checking it has the architecture the student's code builds. It never raises
there: a missing, unreadable or mismatched file gives back the untrained model and records why,
and :func:`cnnkit.checks.check_accuracy` fails with that reason (zero for that test only).
"""

from __future__ import annotations

import json
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LoadStatus", "fit_or_load", "load_submitted", "load_status", "is_autograding", "handin_only",
           "HANDIN_ONLY_ENV"]

# Set by the course while it runs a notebook only for the files it hands in (calibration, sample students).
HANDIN_ONLY_ENV = "CNNKIT_HANDIN_ONLY"

_STATUS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class LoadStatus:
    """Where a model's weights came from: "trained", "loaded", "missing", "unreadable" or "mismatch"."""

    source: str
    path: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.source in ("trained", "loaded")


def is_autograding() -> bool:
    """True while nbgrader autogrades or validates the notebook."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def handin_only() -> bool:
    """True while the course runs the notebook only for its hand-in files (calibration, sample students'
    models): cells that train extra models just to compare them can skip, as they do while grading."""
    return bool(os.environ.get(HANDIN_ONLY_ENV))


def load_status(model) -> LoadStatus | None:
    """The :class:`LoadStatus` recorded by :func:`fit_or_load` for ``model`` (None if never seen)."""
    try:
        return _STATUS.get(model)
    except TypeError:
        return None


def _record(model, status: LoadStatus):
    _STATUS[model] = status
    return model


def _history_path(path: Path) -> Path:
    return path.with_name(path.stem + ".history.json")


def _read_history(path: Path):
    try:
        return json.loads(_history_path(path).read_text())
    except (OSError, ValueError):
        return None


def load_submitted(model, path) -> "tuple[object, LoadStatus]":
    """Load the submitted ``path`` if its architecture matches ``model``; otherwise return ``model``.

    Never raises: the returned status says what happened and why.
    """
    import keras

    from cnnkit.checks.compare import compare_architecture

    path = Path(path)
    if not path.is_file():
        status = LoadStatus("missing", str(path), (
            f"no trained model file '{path.name}' next to the notebook ({path.resolve().parent}): "
            f"run the training cell in your own session (it saves '{path.name}') and hand the file "
            f"in together with the notebook"))
        return _record(model, status), status
    try:
        loaded = keras.models.load_model(path)
    except Exception as exc:  # any failure to read the student's file is the student's zero, not a crash
        status = LoadStatus("unreadable", str(path), (
            f"'{path.name}' could not be loaded ({type(exc).__name__}: {str(exc)[:200]}); save it "
            f"again with model.save('{path.name}') from this notebook and resubmit"))
        return _record(model, status), status
    try:
        report = compare_architecture(loaded, model)
        same = report.ok
        detail = report.message
    except Exception as exc:
        same, detail = False, f"{type(exc).__name__}: {exc}"
    if not same:
        status = LoadStatus("mismatch", str(path), (
            f"'{path.name}' was trained with a different architecture than the one your notebook "
            f"builds now — {detail}. Retrain after your last architecture change and resubmit the file"))
        return _record(model, status), status
    status = LoadStatus("loaded", str(path))
    return _record(loaded, status), status


def _subset(x, y, n: int, seed: int):
    """``n`` training examples chosen with ``seed`` (the small budget trains on a subset)."""
    import numpy as np

    index = np.random.default_rng(seed).permutation(len(x))[: int(n)]
    return x[index], y[index]


def fit_or_load(model, x=None, y=None, *, path, recipe=None, reuse: bool = False, seed: int | None = None,
                **fit_kwargs):
    """Train ``model`` and save it to ``path`` — or, while the notebook is graded, load ``path`` instead
    (the grader never trains). Returns ``(model, history_dict)``.

    ``recipe`` is the assignment's training recipe (``config().training()``: epochs, batch size,
    schedule...): training then goes through :func:`cnnkit.train.fit_with_recipe`, which keeps the
    optimizer and loss the student compiled with and adds the schedule, batch size and pipeline.
    Without it, ``model.fit(x, y, **fit_kwargs)``. ``reuse=True`` loads an existing matching file in
    the student's own run (no retraining after a kernel restart). ``history_dict`` is saved as
    ``<name>.history.json`` beside the model so plots work after loading.
    """
    path = Path(path)
    if is_autograding():
        loaded, status = load_submitted(model, path)
        return loaded, (_read_history(path) if status.ok else None)
    if reuse and path.is_file():
        loaded, status = load_submitted(model, path)
        if status.ok:
            return loaded, _read_history(path)
        print(f"not reusing {path}: {status.reason}; training instead")
    if recipe is not None:
        from cnnkit.checks.assignment import seed as env_seed
        from cnnkit.train.recipe import Recipe, fit_with_recipe

        settings = dict(recipe)
        subset = settings.pop("train_subset", None)
        validation_split = settings.pop("validation_split", None)
        seed = env_seed(0) if seed is None else seed
        if subset:
            x, y = _subset(x, y, subset, seed)
        history = fit_with_recipe(model, x, y, recipe=Recipe.from_dict(settings), seed=seed,
                                  validation_split=validation_split, **fit_kwargs)
    else:
        history = model.fit(x, y, **fit_kwargs)
    model.save(path)
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    _history_path(path).write_text(json.dumps(hist, indent=1))
    _record(model, LoadStatus("trained", str(path)))
    print(f"saved the trained model to {path} — hand it in with the notebook")
    return model, hist
