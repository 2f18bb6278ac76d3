"""compare_architecture: Activation("relu") and ReLU() are the same layer kind, in either direction."""

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
