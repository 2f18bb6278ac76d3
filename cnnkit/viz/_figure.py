"""Figures without pyplot: no global state, no display needed (Agg renders ``savefig``), shown by Jupyter."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure


def new_figure(width: float, height: float, **kwargs) -> Figure:
    """A stand-alone Figure; Jupyter displays it when it is the value of a cell."""
    return Figure(figsize=(width, height), layout="constrained", **kwargs)


def finish(fig: Figure, path=None, dpi: int = 120) -> Figure:
    """Save ``fig`` to ``path`` (format from the suffix, Agg canvas) when given; return it."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return fig
