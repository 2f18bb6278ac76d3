"""Inception v3 (Szegedy et al., Rethinking the Inception architecture, 2016).

Layer for layer ``keras.applications.InceptionV3`` (23,851,784 parameters at 299x299x3, 1000
classes), with every layer named: stem → mixed0–2 (35x35, 5x5 and double-3x3 branches) →
mixed3 (grid reduction) → mixed4–7 (17x17, 7x7 factorised into 1x7 and 7x1) → mixed8 (grid
reduction) → mixed9–10 (8x8, expanded 1x3/3x1 filter banks). Every convolution is conv (no bias)
→ BN (no scale, as keras) → ReLU. Like keras.applications, no auxiliary head.
"""

from __future__ import annotations

from keras import layers

from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, registered_min_input, reject_weights)


def _conv_bn(x, filters, kernel, name, strides=1, padding="same"):
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(scale=False, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _chain(x, specs, name):
    """Stacked conv-BN-ReLU units, ``specs`` = [(filters, (kh, kw)), ...] (stride 1, "same")."""
    for i, (filters, kernel) in enumerate(specs, start=1):
        x = _conv_bn(x, filters, kernel, f"{name}_{i}")
    return x


def _avg_pool_proj(x, filters, name):
    x = layers.AveragePooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    return _conv_bn(x, filters, 1, f"{name}_proj")


def _module_35(x, pool_filters, name):
    branches = [_chain(x, [(64, 1)], f"{name}_1x1"),
                _chain(x, [(48, 1), (64, 5)], f"{name}_5x5"),
                _chain(x, [(64, 1), (96, 3), (96, 3)], f"{name}_3x3dbl"),
                _avg_pool_proj(x, pool_filters, f"{name}_branch_pool")]
    return layers.Concatenate(name=name)(branches)


def _reduction_35_to_17(x, name="mixed3"):
    b3 = _conv_bn(x, 384, 3, f"{name}_3x3", strides=2, padding="valid")
    dbl = _chain(x, [(64, 1), (96, 3)], f"{name}_3x3dbl")
    dbl = _conv_bn(dbl, 96, 3, f"{name}_3x3dbl_3", strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
    return layers.Concatenate(name=name)([b3, dbl, pool])


def _module_17(x, c7, name):
    branches = [_chain(x, [(192, 1)], f"{name}_1x1"),
                _chain(x, [(c7, 1), (c7, (1, 7)), (192, (7, 1))], f"{name}_7x7"),
                _chain(x, [(c7, 1), (c7, (7, 1)), (c7, (1, 7)), (c7, (7, 1)), (192, (1, 7))],
                       f"{name}_7x7dbl"),
                _avg_pool_proj(x, 192, f"{name}_branch_pool")]
    return layers.Concatenate(name=name)(branches)


def _reduction_17_to_8(x, name="mixed8"):
    b3 = _chain(x, [(192, 1)], f"{name}_3x3")
    b3 = _conv_bn(b3, 320, 3, f"{name}_3x3_2", strides=2, padding="valid")
    b7 = _chain(x, [(192, 1), (192, (1, 7)), (192, (7, 1))], f"{name}_7x7x3")
    b7 = _conv_bn(b7, 192, 3, f"{name}_7x7x3_4", strides=2, padding="valid")
    pool = layers.MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
    return layers.Concatenate(name=name)([b3, b7, pool])


def _module_8(x, i, name):
    def split(t, prefix, concat_name):
        return layers.Concatenate(name=concat_name)([
            _conv_bn(t, 384, (1, 3), f"{prefix}_1x3"), _conv_bn(t, 384, (3, 1), f"{prefix}_3x1")])

    b1 = _chain(x, [(320, 1)], f"{name}_1x1")
    b3 = split(_chain(x, [(384, 1)], f"{name}_3x3"), f"{name}_3x3", f"mixed9_{i}")
    dbl = split(_chain(x, [(448, 1), (384, 3)], f"{name}_3x3dbl"), f"{name}_3x3dbl",
                f"{name}_3x3dbl_concat")
    return layers.Concatenate(name=name)([b1, b3, dbl, _avg_pool_proj(x, 192, f"{name}_branch_pool")])


def InceptionV3(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation="softmax", name="inception_v3"):
    """Inception v3, default input 299x299x3; the smallest input is 75x75 (as keras)."""
    weights = reject_weights(weights, "InceptionV3")
    check_head_arguments(include_top, pooling, classes, "InceptionV3")
    img = model_input(input_shape, (299, 299, 3), registered_min_input("InceptionV3"),
                      "InceptionV3", input_tensor)

    x = _conv_bn(img, 32, 3, "stem_1", strides=2, padding="valid")
    x = _conv_bn(x, 32, 3, "stem_2", padding="valid")
    x = _conv_bn(x, 64, 3, "stem_3")
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool1")(x)
    x = _conv_bn(x, 80, 1, "stem_4", padding="valid")
    x = _conv_bn(x, 192, 3, "stem_5", padding="valid")
    x = layers.MaxPooling2D(3, strides=2, name="stem_pool2")(x)

    for i, pool_filters in enumerate((32, 64, 64)):
        x = _module_35(x, pool_filters, f"mixed{i}")
    x = _reduction_35_to_17(x)
    for i, c7 in enumerate((128, 160, 160, 192), start=4):
        x = _module_17(x, c7, f"mixed{i}")
    x = _reduction_17_to_8(x)
    for i in range(2):
        x = _module_8(x, i, f"mixed{9 + i}")

    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(img, x, name, input_tensor, weights)


__all__ = ["InceptionV3"]
