"""Figures without pyplot: no global state, no display needed (Agg renders ``savefig``), shown by Jupyter."""

from __future__ import annotations

import io
from pathlib import Path

from matplotlib.figure import Figure


class NotebookFigure(Figure):
    """A Figure that Jupyter shows as a PNG by itself.

    Jupyter's inline backend registers its PNG formatter only once pyplot has made a figure; a bare
    ``Figure`` shown before that (the kit never calls pyplot) would print as ``<Figure size ...>``.
    Where the inline formatter is registered it wins (it matches ``Figure`` subclasses), so a figure is
    never shown twice.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(width: float, height: float, **kwargs) -> Figure:
    """A stand-alone Figure; Jupyter displays it when it is the value of a cell (or passed to ``display``)."""
    return NotebookFigure(figsize=(width, height), layout="constrained", **kwargs)


def finish(fig: Figure, path=None, dpi: int = 120) -> Figure:
    """Save ``fig`` to ``path`` (format from the suffix, Agg canvas) when given; return it."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig
