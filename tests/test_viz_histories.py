"""cnnkit.viz.plot_histories: runs side by side, one panel per metric, clear errors for wrong input."""

import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from cnnkit.viz import plot_histories


def test_one_line_per_run_and_png(tmp_path):
    runs = {"plain": {"loss": [1.0, 0.5], "val_accuracy": [0.7, 0.8]},
            "SE": {"loss": [0.9, 0.4, 0.3], "val_accuracy": [0.72, 0.81, 0.84]}}
    fig = plot_histories(runs, path=tmp_path / "runs.png", title="with and without SE")
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "val accuracy"]
    assert [line.get_label() for line in fig.axes[1].lines] == ["plain", "SE"]
    assert list(fig.axes[1].lines[1].get_ydata()) == [0.72, 0.81, 0.84]
    assert imread(tmp_path / "runs.png").std() > 0.01


def test_a_run_without_the_metric_is_left_out_and_unknown_metrics_are_named():
    fig = plot_histories({"a": {"loss": [1.0]}, "b": {"loss": [2.0], "accuracy": [0.5]}}, metrics="accuracy")
    assert [line.get_label() for line in fig.axes[0].lines] == ["b"]
    with pytest.raises(ValueError, match=r"no run has \['val_loss'\].*metrics found: \['accuracy', 'loss'\]"):
        plot_histories({"a": {"loss": [1.0]}, "b": {"accuracy": [0.5]}}, metrics=("loss", "val_loss"))
    with pytest.raises(ValueError, match="at least one run"):
        plot_histories({})
