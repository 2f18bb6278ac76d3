"""Training history as JSON: ``{"loss": [...], "accuracy": [...], "val_loss": [...], ...}``, one value per epoch."""

from __future__ import annotations

import json
from pathlib import Path


def history_dict(history) -> dict[str, list[float]]:
    """Plain ``{metric: [per-epoch floats]}`` from a Keras ``History``, a dict or a JSON path."""
    if isinstance(history, (str, Path)):
        return load_history(history)
    metrics = getattr(history, "history", history)
    if not isinstance(metrics, dict):
        raise TypeError(f"expected a keras History, a dict of lists or a JSON path, got {type(history).__name__}")
    return {str(k): [float(v) for v in values] for k, values in metrics.items()}


def save_history(history, path) -> Path:
    """Write the per-epoch metrics to ``path`` (JSON); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(history_dict(history), indent=2) + "\n", encoding="utf-8")
    return path


def load_history(path) -> dict[str, list[float]]:
    """Read a history written by ``save_history``; a bad file gets a message naming it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable history JSON ({exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ValueError(f"{path}: expected {{metric: [one value per epoch]}}, got {type(data).__name__}")
    return {str(k): [float(x) for x in v] for k, v in data.items()}
