"""The student-facing checks: expected, found and why; the calibration rule."""

import json

import keras
import numpy as np
import pytest
from keras import layers

from cnnkit.checks import (Check, GradingError, check_accuracy, check_array, check_output_shape,
                            check_param_count)
from cnnkit.grading.calibrate import threshold_from
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
    with pytest.raises(GradingError, match=r"^conv: expected 19 at \[1, 2\], got 18 — 1 of 9 entries differ, "
                                           r"largest error 1$"):
        check_array(wrong, expected, "conv")
    with pytest.raises(GradingError, match="return"):
        check_array(None, expected)
    big = np.arange(10_000, dtype=float).reshape(100, 100)
    with pytest.raises(GradingError) as err:
        check_array(big + 1, big, "feature map")
    assert len(str(err.value)) < 300, "arrays are summarised, never dumped"


def test_check_array_names_a_known_mistake_even_when_the_shape_differs():
    grid = np.arange(1, 17).reshape(4, 4)
    padded = np.pad(grid, 1)
    mistakes = [(np.pad(grid, ((0, 1), (0, 1))), "padding one side only"), (padded * 2, "doubling")]
    check_array(padded, padded, "zero_pad", mistakes=mistakes)
    with pytest.raises(GradingError, match=r"^zero_pad shape: expected \(6, 6\), got \(5, 5\) — this is what padding "
                                           r"one side only gives; p on each side$"):
        check_array(np.pad(grid, ((0, 1), (0, 1))), padded, "zero_pad", why="p on each side", mistakes=mistakes)
    with pytest.raises(GradingError, match=r"this is what doubling gives; 16 of 36 entries differ"):
        check_array(padded * 2, padded, "zero_pad", mistakes=mistakes)


def test_check_value_accepts_a_list_for_a_tuple_and_names_the_mistake():
    from cnnkit.checks import check_value

    check_value([55, 55, 96], (55, 55, 96), "AlexNet C1")
    check_value(np.int64(416), 416, "conv1 parameters")
    with pytest.raises(GradingError, match=r"conv1 parameters: expected 416, got 400 — this is what forgetting the "
                                           r"bias gives; 5·5·1·16 \+ 16"):
        check_value(400, 416, "conv1 parameters", why="5·5·1·16 + 16", mistakes={400: "forgetting the bias"})
    with pytest.raises(GradingError, match="got None — did the function `return`"):
        check_value(None, 3, "out_size")


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
