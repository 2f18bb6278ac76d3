"""Training curves: one panel per metric (loss, accuracy, ...), training and validation together."""

from __future__ import annotations

from matplotlib.ticker import MaxNLocator

from cnnkit.train.history import history_dict
from cnnkit.viz._figure import finish, new_figure


def plot_history(history, path=None, title: str | None = None):
    """Plot a Keras ``History`` / dict / JSON path; saved to ``path`` when given. Returns the Figure."""
    metrics = history_dict(history)
    names = sorted((m for m in metrics if not m.startswith("val_") and m != "learning_rate"),
                   key=lambda m: m != "loss")  # loss first, then the metrics in Keras' order
    if not names:
        raise ValueError(f"history has no training metrics to plot (keys: {list(metrics)})")
    def draw(ax, name):
        for key, style in ((name, "o-"), (f"val_{name}", "s--")):
            if key in metrics:
                values = metrics[key]
                ax.plot(range(1, len(values) + 1), values, style, label="validation" if key.startswith("val_") else "training")

    return _panels(names, draw, path, title)


def plot_histories(histories, metrics=("loss", "val_accuracy"), path=None, title: str | None = None):
    """Compare runs: one panel per metric, one line per run (``{label: History / dict / JSON path}``).

    For side-by-side experiments (with and without a block, optimizers, augmentation); a run that
    lacks a metric is left out of that panel. Returns the Figure, saved to ``path`` when given.
    """
    if not isinstance(histories, dict) or not histories:
        raise ValueError("plot_histories: expected {label: history, ...} with at least one run, got "
                         f"{type(histories).__name__}")
    runs = {str(label): history_dict(h) for label, h in histories.items()}
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    missing = [m for m in metrics if not any(m in run for run in runs.values())]
    if missing:
        keys = sorted({k for run in runs.values() for k in run})
        raise ValueError(f"plot_histories: no run has {missing} (metrics found: {keys})")
    def draw(ax, name):
        for label, run in runs.items():
            if name in run:
                ax.plot(range(1, len(run[name]) + 1), run[name], "o-", label=label)

    return _panels(metrics, draw, path, title)


def _panels(names, draw, path, title):
    """One panel per metric name, side by side, epochs on x; ``draw(ax, name)`` adds the lines."""
    fig = new_figure(4.2 * len(names), 3.4)
    for ax, name in zip(fig.subplots(1, len(names), squeeze=False)[0], names):
        draw(ax, name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name.replace("_", " "))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return finish(fig, path)
