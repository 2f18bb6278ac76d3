"""AlexNet (Krizhevsky et al. 2012) with the layer sizes of seed 002's Table 14-2, 227x227x3 input.

C1 96@11x11/4 valid (55) → LRN → max 3x3/2 (27) → C3 256@5x5 same → LRN → max 3x3/2 (13) →
384@3x3 → 384@3x3 → 256@3x3 (13) → max 3x3/2 (6) → FC 4096 → FC 4096 → FC classes.
Table 14-2 stops at the 13x13x256 map; the paper (and seed 001: "3 max-pooling layers",
"over 60 million parameters") pools once more to 6x6x256 before F8, as built here.
Single-tower: the paper's two-GPU split (grouped C2/C4/C5) is not reproduced.
"""

from __future__ import annotations

from keras import layers

from cnnkit.layers.normalization import LocalResponseNormalization
from cnnkit.models._common import (check_head_arguments, feature_pooling, finish_model,
                                   model_input, reject_weights)

# C1 (11x11/4 valid) then three 3x3/2 valid pools: the last pool needs 3 → 7 → 15 → (15−1)·4+11 = 67.
MIN_SIZE = (67, 67)


def AlexNet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
            classes=1000, classifier_activation="softmax", lrn=True, dropout_rate=0.5):
    """AlexNet; ``lrn=False`` drops the two LRN layers, ``dropout_rate`` precedes F8 and F9 (paper: 0.5)."""
    weights = reject_weights(weights, "AlexNet")
    check_head_arguments(include_top, pooling, classes, "AlexNet")
    inputs = model_input(input_shape, (227, 227, 3), MIN_SIZE, "AlexNet", input_tensor)
    x = layers.Conv2D(96, 11, strides=4, padding="valid", activation="relu", name="conv1")(inputs)
    if lrn:
        x = LocalResponseNormalization(name="lrn1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    if lrn:
        x = LocalResponseNormalization(name="lrn2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        for i in (1, 2):
            if dropout_rate:
                x = layers.Dropout(dropout_rate, name=f"dropout{i}")(x)
            x = layers.Dense(4096, activation="relu", name=f"fc{i}")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = feature_pooling(x, pooling)
    return finish_model(inputs, x, "alexnet", input_tensor, weights)
