"""compare_architecture and compare_probes: the first mismatch explained with the lecture formulas."""

import keras
import pytest
from keras import layers

from cnnkit.checks import GradingError, compare_architecture, compare_probes
from cnnkit.models import SimpleCNN


def seed001_net(conv2_padding="same", conv2_kernel=5, relu=layers.ReLU, bn=True, conv_bias=True,
                head_activation="softmax", extra=()):
    """Seed 001's network written as a student would, with one knob per typical mistake."""
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for i, f in enumerate((16, 32), start=1):
        pad, k = ("same", 5) if i == 1 else (conv2_padding, conv2_kernel)
        x = layers.Conv2D(f, k, padding=pad, use_bias=conv_bias, name=f"conv{i}")(x)
        if bn:
            x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = relu()(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(10, activation=head_activation, name="predictions")(x)
    for layer in extra:
        x = layer(x)
    return keras.Model(inputs, x)


@pytest.fixture(scope="module")
def reference():
    return SimpleCNN()


def test_same_architecture_passes(reference):
    report = compare_architecture(seed001_net(), reference)
    assert report.ok and bool(report)
    # seed 001: 10 computing layers, 29,130 parameters
    assert "29,130" in report.message
    report.assert_ok()


def test_activation_layer_counts_as_relu(reference):
    assert compare_architecture(seed001_net(relu=lambda: layers.Activation("relu")), reference).ok


def test_padding_mismatch_is_explained_with_the_formula(reference):
    report = compare_architecture(seed001_net(conv2_padding="valid"), reference)
    assert not report.ok
    # The example message of DESIGN.md, word for word.
    assert report.mismatches[0].message == (
        'conv2: expected 14x14x32, got 10x10x32 — (14 - 5 + 2·0)/1 + 1 = 10: padding="same" keeps 14')
    with pytest.raises(AssertionError, match=r"padding=\"same\" keeps 14"):
        report.assert_ok()


def test_kernel_size_mismatch_reports_parameter_formulas(reference):
    report = compare_architecture(seed001_net(conv2_kernel=3), reference)
    first = report.mismatches[0]
    assert first.what == "parameters"
    # seed 001: conv2 has 5·5·16·32 + 32 = 12,832 parameters; a 3x3 kernel has 3·3·16·32 + 32 = 4,640
    assert (first.expected, first.found) == ("12,832", "4,640")
    assert "5·5·16·32 + 32 = 12,832" in first.why and "3·3·16·32 + 32 = 4,640" in first.why


def test_missing_layer_is_a_type_mismatch(reference):
    first = compare_architecture(seed001_net(bn=False), reference).mismatches[0]
    assert first.what == "type"
    assert "BatchNormalization" in str(first.expected) and "ReLU" in str(first.found)


def test_missing_bias_is_named(reference):
    first = compare_architecture(seed001_net(conv_bias=False), reference).mismatches[0]
    # 5·5·1·16 = 400 weights without the 16 biases (seed 001 keeps them: 416)
    assert (first.expected, first.found) == ("416", "400")
    assert "use_bias=True" in first.why


def test_activation_config_mismatch(reference):
    first = compare_architecture(seed001_net(head_activation=None), reference).mismatches[0]
    assert first.what == "activation"
    assert first.expected == '"softmax"' and first.found == '"linear"'


def test_extra_layer_changes_the_layer_count(reference):
    report = compare_architecture(seed001_net(extra=[layers.Dense(10, name="extra")]), reference)
    assert [m.what for m in report.mismatches] == ["layer count"]
    assert report.mismatches[0].expected == 10 and report.mismatches[0].found == 11


def test_input_shape_mismatch():
    got = SimpleCNN(input_shape=(32, 32, 1))
    first = compare_architecture(got, SimpleCNN()).mismatches[0]
    assert (first.layer, first.expected, first.found) == ("input", "28x28x1", "32x32x1")


def test_probes_agree_for_the_same_function(reference):
    student = seed001_net()
    before = [w.copy() for w in student.get_weights()]
    compare_probes(student, reference)  # inference and training mode
    after = student.get_weights()
    assert all((a == b).all() for a, b in zip(before, after)), "probing must not touch the student's weights"


def test_probes_catch_what_configs_do_not(reference):
    leaky = seed001_net(relu=lambda: layers.ReLU(negative_slope=0.3))
    assert compare_architecture(leaky, reference).ok  # same layers, shapes and parameters ...
    with pytest.raises(GradingError, match="inference mode"):  # ... but a different function
        compare_probes(leaky, reference)
