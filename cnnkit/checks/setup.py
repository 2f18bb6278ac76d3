"""What a notebook's first cell calls: is everything this assignment needs here, and if not, how to fix it.

``ready()`` reads the assignment's ``assignment.toml`` (beside the notebook) for the datasets it uses,
starts TensorFlow without its C++ start-up chatter when the assignment needs it, checks each dataset
(fetching it when this machine can, never while the notebook is graded) and prints one line per
thing that is missing, with the command that fixes it. While the notebook is graded it prints nothing
and touches no network.
"""

from __future__ import annotations

import os
import sys

__all__ = ["SETUP_CELL", "ready"]

#: the first code cell of every assignment notebook (``cnnkit assignment check`` keeps them identical)
SETUP_CELL = '''\
# Set-up: run this cell first. It checks that the course kit (cnnkit) and this assignment's data are
# installed, and says exactly how to fix anything missing. While the notebook is graded it only imports.
import importlib.util, os, subprocess, sys
from pathlib import Path

if importlib.util.find_spec("cnnkit") is None and not os.environ.get("NBGRADER_EXECUTION"):
    wheels = sorted(Path.cwd().glob("cnnkit-*.whl"))  # the assignment's zip has the kit's wheel beside the notebook
    if not wheels:
        raise ImportError("The course kit `cnnkit` is not installed. Put the cnnkit-*.whl from the assignment's "
                          "zip next to this notebook and run this cell again (or: pip install cnnkit-*.whl).")
    print(f"installing the course kit from {wheels[-1].name} ...")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", str(wheels[-1])], check=True)
from cnnkit.checks.setup import ready

ready()'''


def _grading() -> bool:
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def ready(folder=None, *, echo=print) -> bool:
    """Check this assignment's needs (see the module docstring); True when everything is here."""
    import cnnkit
    from cnnkit.checks.assignment import ConfigError, config

    try:
        cfg = config(folder)
        datasets = list(dict.fromkeys([*cfg.datasets, *(c.dataset for c in cfg.trained)]))
        tensorflow = cfg.tensorflow
    except ConfigError as exc:
        if _grading():
            raise
        echo(f"note: {exc}\n  (download the assignment's zip again: assignment.toml belongs next to the notebook)")
        datasets, tensorflow = [], True
    if tensorflow:
        from cnnkit.quiet import quiet_tensorflow

        quiet_tensorflow()
    if _grading():
        return True
    problems = [p for p in (_dataset_problem(name) for name in datasets) if p]
    versions = [f"cnnkit {cnnkit.__version__}", f"Python {sys.version.split()[0]}"]
    backend = _backend_problem() if tensorflow else None
    if backend:
        problems.insert(0, backend)
    elif tensorflow:
        import keras

        versions.append(f"Keras {keras.__version__} ({keras.backend.backend()})")
    echo(" · ".join(versions) + (f" · data: {', '.join(datasets)}" if datasets else ""))
    for problem in problems:
        echo(f"MISSING: {problem}")
    if not problems:
        echo("ready.")
    return not problems


def _backend_problem() -> str | None:
    """Keras is installed with the kit, but the backend it runs on is not: name it and the install line."""
    import importlib.util

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, backend)
    if importlib.util.find_spec(module) is not None:
        return None
    if module == "tensorflow":
        fix = ('pip install tensorflow' if sys.platform == "darwin" else
               'pip install tensorflow-cpu   (or "cnnkit-*.whl[cpu]"; with an NVIDIA GPU on Linux: "cnnkit-*.whl[gpu]")')
        return f"TensorFlow, which Keras runs on here, is not installed: {fix}, then restart the kernel"
    return f"Keras's backend {backend!r} (KERAS_BACKEND) is not installed: pip install {module}, then restart the kernel"


def _dataset_problem(name: str) -> str | None:
    from cnnkit.data import DataError, load

    try:
        load(name, verbose=False)  # verified cache, else the offline sources, else the download
    except DataError as exc:
        first = str(exc).strip().splitlines()
        return f"dataset {name}: {first[0] if first else exc}\n  fix: cnnkit data fetch {name}  (needs internet once)"
    return None
