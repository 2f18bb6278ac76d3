"""compare_architecture: Activation("relu") and ReLU() are one kind; a 1x1 convolution's padding is irrelevant."""

import keras
from keras import layers

from cnnkit.checks import compare_architecture


def _net(relu):
    inputs = keras.Input((8, 8, 3))
    return keras.Model(inputs, relu()(layers.Conv2D(4, 3)(inputs)))


def test_relu_spellings_match_both_ways():
    activation, relu = (lambda: layers.Activation("relu")), layers.ReLU
    assert compare_architecture(_net(relu), _net(activation)).ok
    assert compare_architecture(_net(activation), _net(relu)).ok


def test_other_activations_still_differ():
    report = compare_architecture(_net(lambda: layers.Activation("tanh")), _net(layers.ReLU))
    assert not report.ok and "type" in report.message


def _conv(kernel, padding, stride):
    inputs = keras.Input((7, 7, 3))
    return keras.Model(inputs, layers.Conv2D(4, kernel, strides=stride, padding=padding)(inputs))


def test_padding_of_a_1x1_convolution_does_not_matter_but_of_a_3x3_does():
    assert compare_architecture(_conv(1, "same", 2), _conv(1, "valid", 2)).ok
    assert compare_architecture(_conv(1, "valid", 1), _conv(1, "same", 1)).ok
    report = compare_architecture(_conv(3, "valid", 2), _conv(3, "same", 2))
    assert not report.ok and "padding" in report.message
