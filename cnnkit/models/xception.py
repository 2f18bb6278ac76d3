"""Xception (Chollet, Xception: deep learning with depthwise separable convolutions, 2017).

Layer for layer ``keras.applications.Xception`` (22,910,480 parameters at 299x299x3), built
on cnnkit's own :class:`cnnkit.layers.SeparableConv2D`: entry flow (blocks 1–4, each halving
H and W with a strided 1x1 residual), middle flow (8 identity-residual blocks of three 728-filter
separable convolutions), exit flow (blocks 13–14), global average pooling and the classifier.
"""

from __future__ import annotations

from keras import layers

from cnnkit.layers.separable import SeparableConv2D
from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, registered_min_input, reject_weights)


def _sep_bn(x, filters, name, relu_first=True):
    if relu_first:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(name=f"{name}_bn")(x)


def _down_block(x, filters, block, relu_first=True):
    """Two separable convs, 3x3/2 max pool, plus a strided 1x1 conv residual (entry/exit flow)."""
    residual = layers.Conv2D(filters[1], 1, strides=2, padding="same", use_bias=False,
                             name=f"block{block}_residual_conv")(x)
    residual = layers.BatchNormalization(name=f"block{block}_residual_bn")(residual)
    x = _sep_bn(x, filters[0], f"block{block}_sepconv1", relu_first=relu_first)
    x = _sep_bn(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"block{block}_pool")(x)
    return layers.Add(name=f"block{block}_add")([x, residual])


def Xception(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
             classes=1000, classifier_activation="softmax", name="xception"):
    """Xception, default input 299x299x3; any input from 7x7 builds (keras.applications asks 71)."""
    weights = reject_weights(weights, "Xception")
    check_head_arguments(include_top, pooling, classes, "Xception")
    img = model_input(input_shape, (299, 299, 3), registered_min_input("Xception"), "Xception",
                      input_tensor)

    x = layers.Conv2D(32, 3, strides=2, use_bias=False, name="block1_conv1")(img)
    x = layers.BatchNormalization(name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, 3, use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)

    # Entry flow: block 2 follows the ReLU of block 1 directly, so it starts without one.
    x = _down_block(x, (128, 128), 2, relu_first=False)
    x = _down_block(x, (256, 256), 3)
    x = _down_block(x, (728, 728), 4)
    for block in range(5, 13):  # middle flow
        residual = x
        for i in (1, 2, 3):
            x = _sep_bn(x, 728, f"block{block}_sepconv{i}")
        x = layers.Add(name=f"block{block}_add")([x, residual])
    x = _down_block(x, (728, 1024), 13)  # exit flow

    for i, filters in ((1, 1536), (2, 2048)):
        x = SeparableConv2D(filters, 3, padding="same", use_bias=False, name=f"block14_sepconv{i}")(x)
        x = layers.BatchNormalization(name=f"block14_sepconv{i}_bn")(x)
        x = layers.Activation("relu", name=f"block14_sepconv{i}_act")(x)

    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(img, x, name, input_tensor, weights)


__all__ = ["Xception"]
