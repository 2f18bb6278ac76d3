"""cnnkit.viz: every plot returns a Figure, saves a readable PNG, and rejects wrong inputs with a clear message."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from cnnkit.viz import plot_confusion_matrix, plot_feature_maps, plot_filters, plot_history, show_images


def _png_ok(path):
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0.01  # not a blank canvas


def test_plot_history_panels_and_png(tmp_path):
    history = {"accuracy": [0.6, 0.8], "loss": [1.2, 0.6], "val_accuracy": [0.7, 0.8], "val_loss": [0.9, 0.7]}
    fig = plot_history(history, tmp_path / "curves.png", title="demo")
    assert isinstance(fig, Figure)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy"]
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert list(fig.axes[0].lines[1].get_ydata()) == [0.9, 0.7]
    _png_ok(tmp_path / "curves.png")
    with pytest.raises(ValueError, match="no training metrics"):
        plot_history({"val_loss": [1.0]})


def test_plot_confusion_matrix_counts_and_shape_check(tmp_path):
    cm = np.array([[5, 1, 0], [2, 7, 1], [0, 0, 9]])
    fig = plot_confusion_matrix(cm, ["a", "b", "c"], tmp_path / "cm.png")
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == sorted(str(v) for v in cm.ravel() if v)
    _png_ok(tmp_path / "cm.png")
    with pytest.raises(ValueError, match="2 class names for a 3x3"):
        plot_confusion_matrix(cm, ["a", "b"])
    with pytest.raises(ValueError, match="must be square"):
        plot_confusion_matrix(np.zeros((2, 3)))


def test_filters_and_feature_maps_of_a_conv_net(tmp_path):
    import keras

    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        keras.layers.Conv2D(6, 3, name="conv1"),
        keras.layers.MaxPooling2D(2, name="pool1"),
        keras.layers.Conv2D(4, 3, name="conv2"),
    ])
    fig = plot_filters(model.get_layer("conv1"), tmp_path / "filters.png")
    assert "conv1: 6 filters of 3x3x1" in fig._suptitle.get_text()
    assert sum(bool(ax.images) for ax in fig.axes) == 6
    _png_ok(tmp_path / "filters.png")
    with pytest.raises(ValueError, match="no 4-D convolution kernel"):
        plot_filters(model.get_layer("pool1"))
    with pytest.raises(ValueError, match=r"got \(3, 3, 6\)"):
        plot_filters(np.zeros((3, 3, 6)))
    image = (np.random.default_rng(0).random((12, 12, 1)) * 255).astype(np.uint8)
    fig = plot_feature_maps(model, image, path=tmp_path / "maps.png", max_maps=6)
    rows = [ax for ax in fig.axes if ax.images]
    # One image per channel of each conv layer (6 + 4, fewer than max_maps), sized as Keras built them.
    assert len(rows) == model.get_layer("conv1").output.shape[-1] + model.get_layer("conv2").output.shape[-1]
    assert rows[0].images[0].get_array().shape == tuple(model.get_layer("conv1").output.shape[1:3])
    _png_ok(tmp_path / "maps.png")
    with pytest.raises(ValueError, match=r"no layer named \['conv9'\]"):
        plot_feature_maps(model, image, layer_names=["conv9"])


def test_show_images_marks_wrong_predictions(tmp_path):
    x = np.zeros((5, 8, 8, 1), dtype=np.uint8)
    x[:, 2:6, 2:6] = 255
    fig = show_images(x, [0, 1, 2, 0, 1], ["cat", "dog", "eel"], predictions=[0, 1, 0, 0, 2],
                      cols=3, path=tmp_path / "grid.png")
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(titled) == 5
    assert [ax.get_title() for ax in titled][2] == "eel\n→ cat"
    assert sum(ax.title.get_color() == "red" for ax in titled) == 2
    _png_ok(tmp_path / "grid.png")


def test_figures_display_as_png_in_jupyter_without_pyplot():
    # Jupyter's inline backend only registers its PNG formatter once pyplot has drawn; the kit's
    # figures must show as pictures in a notebook that never touches pyplot, not as "<Figure ...>".
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(plot_history({"loss": [1.0, 0.5]}))
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert data["text/plain"].startswith("<")
