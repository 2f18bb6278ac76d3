"""What every zoo builder shares: the ``keras.applications`` input handling and classifier head."""

from __future__ import annotations

import keras
from keras import layers


def model_input(input_shape, default_shape, min_size, model_name, input_tensor=None):
    """A ``keras.Input`` for ``input_shape`` (default: the paper's own), checked against ``min_size``.

    ``min_size`` is the smallest (height, width) the architecture's down-sampling accepts; a
    smaller input gets an error naming the model, the input and the minimum.
    """
    if input_tensor is not None:
        return input_tensor
    shape = tuple(default_shape if input_shape is None else input_shape)
    if len(shape) != 3:
        raise ValueError(
            f"{model_name}: input_shape must be (height, width, channels), got {input_shape!r}"
        )
    h, w, c = shape
    min_h, min_w = min_size
    if (h is not None and h < min_h) or (w is not None and w < min_w):
        raise ValueError(
            f"{model_name}: input {h}x{w} is too small; the architecture needs at least "
            f"{min_h}x{min_w} (each down-sampling stage must leave at least one pixel)"
        )
    if c is None or c < 1:
        raise ValueError(f"{model_name}: input_shape needs a channel count, got {input_shape!r}")
    return keras.Input(shape=shape, name="input")


def check_head_arguments(include_top, pooling, classes, model_name):
    """Validate the standard head options, with a message that says the fix."""
    if pooling not in (None, "avg", "max"):
        raise ValueError(f'{model_name}: pooling must be None, "avg" or "max", got {pooling!r}')
    if include_top and (not isinstance(classes, int) or classes < 1):
        raise ValueError(f"{model_name}: classes must be a positive integer, got {classes!r}")


def classifier_head(x, include_top, pooling, classes, classifier_activation,
                    dropout_rate=None, name="predictions"):
    """Global average pooling → (dropout) → Dense(classes), or the pooled features when no top.

    This is the head of ResNet, Inception, DenseNet, Xception and GoogLeNet; models with a
    flattening head (LeNet, AlexNet, VGG) build their own top.
    """
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate:
            x = layers.Dropout(dropout_rate, name="dropout")(x)
        return layers.Dense(classes, activation=classifier_activation, name=name)(x)
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def reject_weights(weights, model_name):
    """cnnkit never downloads weights implicitly; accept only None or a local file path."""
    if weights is None:
        return None
    if isinstance(weights, str) and weights.endswith((".weights.h5", ".keras")):
        return weights
    raise ValueError(
        f"{model_name}: weights={weights!r} is not supported — cnnkit builds models untrained "
        f"(weights=None) or loads a local '.weights.h5' file; for ImageNet weights use "
        f"keras.applications directly"
    )


def load_weights_if_any(model, weights):
    if weights:
        model.load_weights(weights)
    return model


def feature_pooling(x, pooling):
    """Without a top: the feature map itself, or its global average / max (``pooling``)."""
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x


def finish_model(inputs, outputs, name, input_tensor=None, weights=None):
    """The ``keras.Model`` from the input (or ``input_tensor``'s source) to ``outputs``, weights loaded."""
    if input_tensor is not None:
        inputs = keras.utils.get_source_inputs(input_tensor)
    return load_weights_if_any(keras.Model(inputs, outputs, name=name), weights)


def registered_min_input(model_name):
    """The smallest (height, width) ``model_name`` accepts: its ``min_input`` in the catalogue."""
    from cnnkit.models.registry import info

    return info(model_name).min_input
