"""fit_or_load: train and save in the student's run; load (never train) while nbgrader autogrades."""

import json

import keras
import numpy as np
import pytest
from keras import layers

from cnnkit.checks import GradingError, check_accuracy, fit_or_load, load_status


def tiny(filters=2):
    inputs = keras.Input(shape=(6, 6, 1))
    x = layers.Conv2D(filters, 3, name="conv")(inputs)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3, activation="softmax", name="out")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.random((32, 6, 6, 1)).astype("float32"), rng.integers(0, 3, 32)


@pytest.fixture
def student_run(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


@pytest.fixture
def autograding(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # what nbgrader's autograde sets


def test_student_run_trains_and_saves(tmp_path, data, student_run):
    path = tmp_path / "m.keras"
    model, history = fit_or_load(tiny(), *data, path=path, epochs=2, verbose=0)
    assert path.is_file() and len(history["loss"]) == 2
    assert json.loads((tmp_path / "m.history.json").read_text()) == history
    assert load_status(model).source == "trained"


def test_autograding_loads_instead_of_training(tmp_path, data, student_run, monkeypatch):
    path = tmp_path / "m.keras"
    trained, _ = fit_or_load(tiny(), *data, path=path, epochs=1, verbose=0)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    fresh = tiny()
    # No data given: training here would fail, so passing means it loaded.
    loaded, history = fit_or_load(fresh, path=path, epochs=50)
    assert loaded is not fresh and load_status(loaded).source == "loaded"
    assert len(history["loss"]) == 1
    for a, b in zip(loaded.get_weights(), trained.get_weights()):
        np.testing.assert_array_equal(a, b)
    x, y = data
    acc = float(np.mean(trained.predict(x, verbose=0).argmax(1) == y))
    assert check_accuracy(loaded, data, 0.0) == pytest.approx(acc)


def test_missing_file_gives_zero_not_crash(tmp_path, data, autograding):
    model = tiny()
    returned, history = fit_or_load(model, *data, path=tmp_path / "fashion_cnn.keras", epochs=5)
    assert returned is model and history is None
    status = load_status(model)
    assert status.source == "missing" and "fashion_cnn.keras" in status.reason
    with pytest.raises(GradingError, match="no trained model file 'fashion_cnn.keras'"):
        check_accuracy(returned, data, 0.1)


def test_mismatched_architecture_is_refused(tmp_path, data, autograding):
    path = tmp_path / "m.keras"
    tiny(filters=4).save(path)  # trained with 4 kernels; the notebook now builds 2
    model = tiny(filters=2)
    returned, _ = fit_or_load(model, path=path)
    status = load_status(returned)
    assert returned is model and status.source == "mismatch"
    # (6 - 3)/1 + 1 = 4 rows and columns, one channel per kernel: 4x4x2 expected, 4x4x4 found
    assert "conv: expected 4x4x2, got 4x4x4 — the reference has filters=2" in status.reason
    with pytest.raises(GradingError, match="different architecture"):
        check_accuracy(returned, data, 0.1)


def test_unreadable_file_is_reported(tmp_path, autograding):
    path = tmp_path / "m.keras"
    path.write_bytes(b"not a zip file")
    returned, _ = fit_or_load(tiny(), path=path)
    status = load_status(returned)
    assert status.source == "unreadable" and "could not be loaded" in status.reason


def test_reuse_in_student_run(tmp_path, data, student_run):
    path = tmp_path / "m.keras"
    fit_or_load(tiny(), *data, path=path, epochs=1, verbose=0)
    again, _ = fit_or_load(tiny(), path=path, reuse=True)
    assert load_status(again).source == "loaded"
