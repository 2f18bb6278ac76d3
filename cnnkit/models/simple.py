"""The Fashion-MNIST CNN designed step by step in seed 001.

[CONV1 16@5x5, p=2] → BN → ReLU → [POOL1 2x2, s=2] → [CONV2 32@5x5, p=2] → BN → ReLU →
[POOL2 2x2, s=2] → FC classes. On 28x28x1: 28 → 14 → 14 → 7, 7·7·32 → 10, 29,130 parameters.
The two convolutions keep their bias (416 + 12,832 of the 29,130): that is the seed's own
design; the zoo's other models follow the convention that a convolution before BN has none.
"""

from __future__ import annotations

from keras import layers

from cnnkit.models._common import (check_head_arguments, feature_pooling, finish_model,
                                   model_input, reject_weights)

# Each stage ends in a 2x2/2 max-pool; the smallest input they all still halve is 2^stages
# (4x4 for the seed's two stages).


def SimpleCNN(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=10, classifier_activation="softmax", filters=(16, 32), kernel_size=5):
    """Seed 001's network; ``filters``/``kernel_size`` let a notebook vary it ("same" padding keeps n)."""
    weights = reject_weights(weights, "SimpleCNN")
    check_head_arguments(include_top, pooling, classes, "SimpleCNN")
    min_size = (2 ** len(filters),) * 2
    inputs = model_input(input_shape, (28, 28, 1), min_size, "SimpleCNN", input_tensor)
    x = inputs
    for i, f in enumerate(filters, start=1):
        # padding="same" with a 5x5 kernel and stride 1 is the seed's p = 2.
        x = layers.Conv2D(f, kernel_size, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.ReLU(name=f"relu{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"pool{i}")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = feature_pooling(x, pooling)
    return finish_model(inputs, x, "simple_cnn", input_tensor, weights)
