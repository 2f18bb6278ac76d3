"""The student-facing checks: expected, found and why; thresholds and their calibration rule."""

import json

import keras
import numpy as np
import pytest
from keras import layers

from cnnkit.grading import (Check, GradingError, check_accuracy, check_array, check_output_shape,
                            check_param_count)
from cnnkit.grading import thresholds
from cnnkit.grading.calibrate import RECIPES, calibrate, threshold_from
from cnnkit.models import SimpleCNN


@pytest.fixture(scope="module")
def simple_cnn():
    return SimpleCNN()


def test_param_count_of_seed001_network(simple_cnn):
    check_param_count(simple_cnn, 29_130)  # seed 001 / DESIGN.md


def test_param_count_mismatch_lists_layer_formulas(simple_cnn):
    with pytest.raises(GradingError) as err:
        check_param_count(simple_cnn, 29_082, "parameters")
    msg = str(err.value)
    assert msg.startswith("parameters: expected 29,082, got 29,130")
    # seed 001: conv1 = 5·5·1·16 + 16, FC = 7·7·32·10 + 10
    assert "5·5·1·16 + 16 = 416" in msg and "1568·10 + 10 = 15,690" in msg


def test_output_shape_of_model_walks_the_layers(simple_cnn):
    check_output_shape(simple_cnn, (10,))
    with pytest.raises(GradingError) as err:
        check_output_shape(simple_cnn, (7, 7, 32), "features")
    msg = str(err.value)
    assert msg.startswith("features shape: expected 7x7x32, got 10")
    assert '⌈28/1⌉ = 28 (padding="same")' in msg  # conv1 on seed 001's 28x28 input
    assert "(28 - 2 + 2·0)/2 + 1 = 14" in msg  # pool1: seed 001's (28 - 2)/2 + 1 = 14


def test_output_shape_of_array_hints_at_layout():
    check_output_shape(np.zeros((3, 4)), (3, 4))
    with pytest.raises(GradingError, match="axis order"):
        check_output_shape(np.zeros((4, 3)), (3, 4))


def test_check_array_names_the_first_wrong_entry():
    # seed 003's worked example
    expected = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    check_array(np.array(expected, dtype=float), expected)
    wrong = np.array(expected, dtype=float)
    wrong[1, 2] = 18
    with pytest.raises(GradingError, match=r"first difference at index \(1, 2\): expected 19, got 18"):
        check_array(wrong, expected, "conv")
    with pytest.raises(GradingError, match="return"):
        check_array(None, expected)


def _first_feature_classifier():
    """Dense(2) whose prediction is the larger of the first two inputs — accuracy known by hand."""
    inputs = keras.Input(shape=(3,))
    outputs = layers.Dense(2, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    model.layers[-1].set_weights([np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), np.zeros(2)])
    return model


def test_check_accuracy_against_threshold():
    model = _first_feature_classifier()
    x = np.array([[1, 0, 5], [0, 1, 5], [2, 1, 0], [0, 3, 0]], dtype="float32")
    y = np.array([0, 1, 0, 0])  # the last one is misclassified: 3 of 4 correct
    assert check_accuracy(model, (x, y), 0.75) == pytest.approx(0.75)
    with pytest.raises(GradingError, match="expected at least 0.800, got 0.750"):
        check_accuracy(model, (x, y), 0.8)
    one_hot = np.eye(2)[y]
    assert check_accuracy(model, (x, one_hot), 0.7) == pytest.approx(0.75)


def test_check_prints_instead_of_raising(capsys):
    def wrong():
        raise GradingError("answer", 4, 5)

    def todo():
        raise NotImplementedError()

    assert Check("q1", lambda: None).check() is True
    assert Check("q2", wrong, hint="count again").check() is False
    assert Check("q3", todo).check() is False
    Check("q2", wrong, hint="count again", solution="4").hint()
    out = capsys.readouterr().out
    assert "q1: correct" in out and "answer: expected 4, got 5" in out
    assert "not done yet" in out and "count again" in out


def test_threshold_rule():
    # threshold = floor_0.001(min - margin)
    assert threshold_from([0.91, 0.893, 0.9], 0.03) == 0.863
    assert threshold_from([0.9], 0.0) == 0.9


def test_thresholds_file_lookup(tmp_path, monkeypatch):
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"a": {"threshold": 0.5}}))
    monkeypatch.setenv("CNNKIT_THRESHOLDS", str(path))
    assert thresholds.threshold("a") == 0.5
    with pytest.raises(KeyError, match="cnnkit grade calibrate b"):
        thresholds.threshold("b")


def test_packaged_calibration_record_is_consistent():
    rec = thresholds.entry("03-first-cnn", thresholds.PACKAGED)
    accs = list(rec["per_seed"].values())
    assert len(accs) >= 3 and rec["min"] == min(accs)
    assert rec["threshold"] == threshold_from(accs, rec["margin"]) < rec["min"]
    assert rec["mean"] == pytest.approx(np.mean(accs), abs=1e-4)
    assert 0.85 < rec["mean"] < 0.95  # Fashion-MNIST 2-conv CNNs: 0.876–0.925 (DESIGN.md benchmark)


def test_calibrate_writes_record_and_models(tmp_path, monkeypatch):
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data.astype("float32") / 16.0, digits.target

    def digits_recipe(seed, epochs=None, verbose=0):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((64,)), layers.Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x[:1200], y[:1200], epochs=epochs or 2, verbose=0)
        return model, float(np.mean(model.predict(x[1200:], verbose=0).argmax(1) == y[1200:]))

    monkeypatch.setitem(RECIPES, "digits-test", (digits_recipe, {"epochs": 2}, "digits[1200:]"))
    out = tmp_path / "thresholds.json"
    out.write_text(json.dumps({"other": {"threshold": 0.1}}))
    rec = calibrate("digits-test", seeds=2, margin=0.05, out=out, models_dir=tmp_path / "cal", verbose=0)
    data = json.loads(out.read_text())
    assert set(data) == {"other", "digits-test"}  # other assignments are kept
    assert data["digits-test"]["threshold"] == rec["threshold"] == threshold_from(rec["per_seed"].values(), 0.05)
    assert sorted(p.name for p in (tmp_path / "cal").iterdir()) == ["digits-test-seed0.keras", "digits-test-seed1.keras"]
    with pytest.raises(ValueError, match="no calibration recipe"):
        calibrate("nope", out=out)
