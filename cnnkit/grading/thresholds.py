"""Calibrated pass thresholds, read by the notebooks' hidden accuracy tests.

One place: ``cnnkit/grading/thresholds.json`` (package data, so an installed cnnkit has it too),
written by ``cnnkit grade calibrate``. ``CNNKIT_THRESHOLDS=/path/to.json`` points elsewhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["thresholds_path", "load", "threshold", "entry"]

PACKAGED = Path(__file__).with_name("thresholds.json")


def thresholds_path() -> Path:
    """The JSON file in use: ``$CNNKIT_THRESHOLDS`` if set, else the packaged copy."""
    env = os.environ.get("CNNKIT_THRESHOLDS")
    return Path(env) if env else PACKAGED


def load(path=None) -> dict:
    """All calibration records, keyed by assignment name (empty if nothing was calibrated yet)."""
    p = Path(path) if path else thresholds_path()
    if not p.is_file():
        return {}
    return json.loads(p.read_text())


def entry(assignment: str, path=None) -> dict:
    """The calibration record of one assignment (per-seed accuracy, mean, min, margin, threshold)."""
    data = load(path)
    if assignment not in data:
        raise KeyError(
            f"no calibrated threshold for {assignment!r} in {path or thresholds_path()} "
            f"(found: {sorted(data) or 'none'}); run `cnnkit grade calibrate {assignment} --seeds 3`")
    return data[assignment]


def threshold(assignment: str, path=None) -> float:
    """The pass mark for ``assignment``: the reference's minimum accuracy over seeds minus the margin."""
    return float(entry(assignment, path)["threshold"])
