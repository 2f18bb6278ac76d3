"""Confusion matrix as a heat map: rows are true classes, columns predictions, counts in the cells."""

from __future__ import annotations

import numpy as np

from cnnkit.viz._figure import finish, new_figure


def plot_confusion_matrix(cm, class_names=None, path=None, title: str = "confusion matrix"):
    """Colour = fraction of the true class (row-normalised), text = count. Returns the Figure."""
    cm = np.asarray(cm)
    n = cm.shape[0]
    if cm.ndim != 2 or cm.shape[1] != n:
        raise ValueError(f"confusion matrix must be square (classes x classes), got shape {cm.shape}")
    names = list(class_names) if class_names is not None else [str(i) for i in range(n)]
    if len(names) != n:
        raise ValueError(f"{len(names)} class names for a {n}x{n} confusion matrix")
    rows = cm.sum(axis=1, keepdims=True)
    fraction = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=float), where=rows > 0)
    size = max(4.0, 0.55 * n + 2.0)
    fig = new_figure(size + 1.0, size)
    ax = fig.subplots()
    image = ax.imshow(fraction, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, label="fraction of the true class")
    ax.set_xticks(range(n), names, rotation=45, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7 if n > 10 else 8,
                        color="white" if fraction[i, j] > 0.5 else "black")
    return finish(fig, path)
