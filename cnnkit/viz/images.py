"""A grid of dataset images with their labels (and predictions, wrong ones in red)."""

from __future__ import annotations

import math

import numpy as np

from cnnkit.viz._figure import finish, new_figure


def _as_displayable(image):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return image


def show_images(x, y=None, class_names=None, n: int = 16, cols: int = 8, predictions=None, path=None):
    """Show the first ``n`` images of ``x`` titled by class name; returns the Figure."""
    x = np.asarray(x)[:n]
    n = len(x)
    cols = min(cols, n)
    rows = math.ceil(n / cols)
    fig = new_figure(1.3 * cols, 1.5 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        image = _as_displayable(x[i])
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
        name = lambda k: class_names[int(k)] if class_names is not None else str(int(k))
        title, colour = "", "black"
        if y is not None:
            title = name(y[i])
        if predictions is not None:
            title = f"{title}\n→ {name(predictions[i])}" if title else name(predictions[i])
            if y is not None and int(predictions[i]) != int(y[i]):
                colour = "red"
        ax.set_title(title, fontsize=8, color=colour)
    return finish(fig, path)
