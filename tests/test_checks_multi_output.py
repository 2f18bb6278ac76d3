"""fit_or_load with a model of several outputs (GoogLeNet's main + auxiliary heads): the recipe's
train_subset picks the same examples from the images and from every output's labels."""

import keras
import numpy as np
import pytest
from keras import layers

from cnnkit.checks import fit_or_load, load_status


def two_heads():
    inputs = keras.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, [layers.Dense(3, activation="softmax", name=n)(hidden) for n in ("main", "aux")])
    model.compile("adam", loss={"main": "sparse_categorical_crossentropy", "aux": "sparse_categorical_crossentropy"},
                  loss_weights={"main": 1.0, "aux": 0.3})
    return model


@pytest.mark.parametrize("as_dict", [True, False])
def test_subset_of_labels_per_output(tmp_path, monkeypatch, as_dict):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    rng = np.random.default_rng(0)
    x = rng.random((40, 4)).astype("float32")
    y = np.arange(40) % 3
    # the aux labels are a shifted copy: a subset that picked different rows for each output would break the pairing
    labels = {"main": y, "aux": (y + 1) % 3} if as_dict else (y, (y + 1) % 3)
    model, history = fit_or_load(two_heads(), x, labels, path=tmp_path / "m.keras",
                                 recipe={"epochs": 1, "batch_size": 8, "train_subset": 16}, verbose=0)
    assert load_status(model).ok and {"main_loss", "aux_loss", "loss"} <= set(history)
    from cnnkit.checks.trained import _subset

    xs, ys = _subset(x, labels, 16, seed=0)
    main, aux = (ys["main"], ys["aux"]) if as_dict else ys
    assert len(xs) == 16 and np.array_equal(aux, (main + 1) % 3)
    index = [int(np.flatnonzero((x == row).all(axis=1))[0]) for row in xs]
    assert np.array_equal(main, y[index])
