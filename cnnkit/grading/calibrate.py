"""Calibrate pass marks: run the reference solution with several seeds, measure its models like the referee.

The solution notebook is the recipe (its training cell reads ``[recipe]`` from ``assignment.toml``), so
calibration trains exactly what students are told to train. Each seed's hand-in files are measured
by the referee's own code; the pass mark is the minimum accuracy minus a stated margin (rounded down
to 0.001), recorded with mean, maximum, seeds, hardware and minutes in the ``[trained.threshold]``
table of ``assignment.toml``, and each seed's model is kept in ``instructor/calibration/``.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from cnnkit.checks.assignment import BUDGET_ENV, SEED_ENV
from cnnkit.checks.trained import HANDIN_ONLY_ENV
from cnnkit.grading.course import INSTRUCTOR_DIR, Assignment

__all__ = ["DEFAULT_MARGIN", "threshold_from", "run_notebook", "calibrate", "hardware"]

DEFAULT_MARGIN = 0.03


def threshold_from(accuracies, margin: float = DEFAULT_MARGIN) -> float:
    """min(accuracies) − margin, rounded down to 0.001."""
    return math.floor((min(accuracies) - margin) * 1000 + 1e-9) / 1000


def hardware() -> str:
    """What this run trains on, for the record."""
    import keras

    try:
        import tensorflow as tf

        gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
        backend = f"TensorFlow {tf.__version__}"
    except ImportError:
        gpus, backend = [], f"Keras backend {keras.backend.backend()}"
    where = f"{len(gpus)} GPU(s)" if gpus else f"{os.cpu_count()} CPU cores ({platform.machine()})"
    return f"{where}, {backend}, Keras {keras.__version__}"


def run_notebook(assignment: Assignment, nb, *, seed: int, budget: str = "full", timeout: int | None = None,
                 release_dir: Path | None = None) -> dict[str, Path]:
    """Execute ``nb`` (instructor-trusted: the solution, or a sample student's notebook) as a student
    would — training, not grading — with ``seed``; returns its hand-in files (kept in a temp folder)."""
    from nbclient import NotebookClient

    work = Path(tempfile.mkdtemp(prefix="cnnkit-train-"))
    release = Path(release_dir) if release_dir else assignment.release_folder
    for path in release.iterdir():  # what a student downloads beside the notebook (assignment.toml, ...)
        if path.is_file() and path.suffix != ".ipynb":
            shutil.copyfile(path, work / path.name)
    env_before = {k: os.environ.get(k) for k in (SEED_ENV, BUDGET_ENV, HANDIN_ONLY_ENV, "NBGRADER_EXECUTION")}
    os.environ[SEED_ENV], os.environ[BUDGET_ENV] = str(seed), budget
    os.environ[HANDIN_ONLY_ENV] = "1"  # only the hand-in files are wanted: comparison cells may skip
    os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        # a student's notebook may fail some tests and still train: every cell runs
        client = NotebookClient(copy_nb(nb), timeout=timeout, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(work)}})
        client.execute()
    finally:
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    files = {}
    for name in assignment.config.handin.files:
        if not (work / name).is_file():
            errors = [f"{o.get('ename')}: {str(o.get('evalue'))[:200]}" for c in client.nb.cells
                      for o in c.get("outputs", []) if o.get("output_type") == "error"]
            raise RuntimeError(f"{assignment.name}: the notebook ran but did not save {name} (in {work}); "
                               f"its errors: {errors[:3]}")
        files[name] = work / name
    return files


def copy_nb(nb):
    return nbformat.from_dict(nbformat.from_dict(dict(nb)))


def calibrate(assignment: Assignment, seeds: int = 3, *, margin: float = DEFAULT_MARGIN, budget: str = "full",
              write: bool = True, echo=print) -> dict[str, dict]:
    """Train the solution with seeds 0..seeds-1; record each ``[[trained]]`` check's pass mark. Returns
    test → record (the values written into ``assignment.toml``)."""
    from cnnkit.grading.referee.measure import Measurer
    from cnnkit.grading.samples import Work, notebook_for

    config = assignment.config
    if not config.trained:
        raise ValueError(f"{assignment.name}: no [[trained]] checks in {config.path} — nothing to calibrate")
    nb = notebook_for(assignment.course, "calibration", Work(assignment.name))
    measurer = Measurer()
    start = time.monotonic()
    accuracies: dict[str, list[float]] = {c.test: [] for c in config.trained}
    models: dict[str, list[str]] = {c.test: [] for c in config.trained}
    keep = assignment.folder / INSTRUCTOR_DIR / "calibration"
    keep.mkdir(parents=True, exist_ok=True)
    for seed in range(seeds):
        echo(f"{assignment.name}: seed {seed} — running the solution notebook ({budget} budget)")
        files = run_notebook(assignment, nb, seed=seed, budget=budget)
        for check in config.trained:
            stem = Path(check.file).stem
            target = keep / (f"seed{seed}.keras" if len(config.trained) == 1 else f"{stem}-seed{seed}.keras")
            shutil.copyfile(files[check.file], target)
            reference = models[check.test][0] if models[check.test] else None
            verdict = measurer.handle({
                "kind": "measure", "model": str(target), "dataset": check.dataset, "split": check.split,
                "preprocess": check.preprocess, "image_size": check.image_size, "resize": check.resize,
                "classes": list(check.classes) if check.classes else None, "threshold": 0.0,
                "reference": str(assignment.folder / reference) if reference else None})
            if not verdict.get("loaded") or verdict.get("accuracy") is None:
                raise RuntimeError(f"{assignment.name}: seed {seed}'s {check.file} could not be measured: "
                                   f"{verdict.get('message')}")
            accuracies[check.test].append(round(float(verdict["accuracy"]), 4))
            models[check.test].append(str(target.relative_to(assignment.folder)))
            echo(f"  {check.file}: accuracy {verdict['accuracy']:.4f}")
    minutes = round((time.monotonic() - start) / 60, 1)
    records = {}
    for check in config.trained:
        accs = accuracies[check.test]
        records[check.test] = {
            "value": threshold_from(accs, margin), "mean": round(statistics.fmean(accs), 4), "min": min(accs),
            "max": max(accs), "margin": margin, "seeds": list(range(seeds)), "per_seed": accs, "budget": budget,
            "hardware": hardware(), "minutes": minutes, "calibrated_on": _dt.date.today().isoformat(),
            "models": models[check.test]}
        echo(f"{assignment.name} {check.test}: mean {records[check.test]['mean']:.4f}, min {min(accs):.4f}, "
             f"margin {margin} → pass mark {records[check.test]['value']:.3f}")
    if write:
        write_thresholds(assignment, records)
    return records


def write_thresholds(assignment: Assignment, records: dict[str, dict]) -> None:
    """Rewrite the ``[trained.threshold]`` tables of ``assignment.toml``, keeping everything else as written."""
    import tomlkit

    path = assignment.config.path
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for entry in doc.get("trained", []):
        record = records.get(entry.get("test"))
        if record is None:
            continue
        table = tomlkit.table()
        for key, value in record.items():
            table[key] = value
        entry["threshold"] = table
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")
