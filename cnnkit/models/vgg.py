"""VGG configurations A, B, D, E (Simonyan & Zisserman 2015, Table 1; seed 004).

Five blocks of 3x3 "same" convolutions, each closed by a 2x2/2 max-pool, then FC 4096 →
FC 4096 → FC classes. Layer names and counts follow ``keras.applications`` (``block1_conv1``,
``fc1``); VGG16/19 match its 138,357,544 / 143,667,240 parameters. ``batch_norm=True`` adds
BN after every convolution (which then drops its bias); ``dropout_rate`` (paper: 0.5) sits
after fc1 and fc2 and has no parameters (keras.applications leaves it out: pass 0).
"""

from __future__ import annotations

from keras import layers

from cnnkit.models._common import (check_head_arguments, feature_pooling, finish_model,
                                   model_input, reject_weights)

# Convolutions per block, Table 1 of the paper.
CONFIGURATIONS = {
    "A": (1, 1, 2, 2, 2),  # VGG11
    "B": (2, 2, 2, 2, 2),  # VGG13
    "D": (2, 2, 3, 3, 3),  # VGG16
    "E": (2, 2, 4, 4, 4),  # VGG19
}
FILTERS = (64, 128, 256, 512, 512)
# Five 2x2/2 valid max-pools: 2^5 = 32 is the smallest input they all halve.
MIN_SIZE = (32, 32)


def VGG(configuration, include_top=True, weights=None, input_tensor=None, input_shape=None,
        pooling=None, classes=1000, classifier_activation="softmax", batch_norm=False,
        dropout_rate=0.5, name=None):
    """VGG of ``configuration`` ``"A"``/``"B"``/``"D"``/``"E"``."""
    if configuration not in CONFIGURATIONS:
        raise ValueError(f"VGG: configuration must be one of {sorted(CONFIGURATIONS)} "
                         f"(Table 1 of the paper), got {configuration!r}")
    depth = sum(CONFIGURATIONS[configuration]) + 3
    model_name = name or f"VGG{depth}"
    weights = reject_weights(weights, model_name)
    check_head_arguments(include_top, pooling, classes, model_name)
    inputs = model_input(input_shape, (224, 224, 3), MIN_SIZE, model_name, input_tensor)
    x = inputs
    for block, (convs, filters) in enumerate(zip(CONFIGURATIONS[configuration], FILTERS), start=1):
        for i in range(1, convs + 1):
            if batch_norm:
                x = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                  name=f"block{block}_conv{i}")(x)
                x = layers.BatchNormalization(name=f"block{block}_bn{i}")(x)
                x = layers.ReLU(name=f"block{block}_relu{i}")(x)
            else:
                x = layers.Conv2D(filters, 3, padding="same", activation="relu",
                                  name=f"block{block}_conv{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        for i in (1, 2):
            x = layers.Dense(4096, activation="relu", name=f"fc{i}")(x)
            if dropout_rate:
                x = layers.Dropout(dropout_rate, name=f"dropout{i}")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = feature_pooling(x, pooling)
    suffix = "_bn" if batch_norm else ""
    return finish_model(inputs, x, f"{model_name.lower()}{suffix}", input_tensor, weights)


def _named(configuration, name):
    def build(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", batch_norm=False, dropout_rate=0.5):
        return VGG(configuration, include_top=include_top, weights=weights, input_tensor=input_tensor,
                   input_shape=input_shape, pooling=pooling, classes=classes,
                   classifier_activation=classifier_activation, batch_norm=batch_norm,
                   dropout_rate=dropout_rate, name=name)

    build.__name__ = build.__qualname__ = name
    layers_count = sum(CONFIGURATIONS[configuration]) + 3
    build.__doc__ = f"{name}: VGG configuration {configuration} ({layers_count} weight layers)."
    return build


VGG11 = _named("A", "VGG11")
VGG13 = _named("B", "VGG13")
VGG16 = _named("D", "VGG16")
VGG19 = _named("E", "VGG19")
