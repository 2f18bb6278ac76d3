"""LeNet-5 as in seed 002's Table 14-1 (LeCun et al. 1998): 32x32x1 input, tanh, average pooling.

C1 6@5x5 (28x28) → S2 avg 2x2/2 (14x14) → C3 16@5x5 (10x10) → S4 avg 2x2/2 (5x5) →
C5 120@5x5 (1x1) → F6 84 → output 10. C3 is fully connected to S2 (the paper's sparse
connection table is not used), which gives the classic total of 61,706 parameters.
The paper's RBF output is a softmax ``Dense`` here (``classifier_activation``).
"""

from __future__ import annotations

from keras import layers

from cnnkit.models._common import (check_head_arguments, feature_pooling, finish_model,
                                   model_input, reject_weights)

# C5's 5x5 kernel needs S4 ≥ 5 → C3 ≥ 10 → S2 ≥ 14 → C1 ≥ 28 → input ≥ 32 (valid convs).
MIN_SIZE = 32


def LeNet5(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
           classes=10, classifier_activation="softmax", input_padding=0, activation="tanh"):
    """LeNet-5; ``input_padding=2`` puts a 28x28 digit in the paper's 32x32 field (MNIST)."""
    weights = reject_weights(weights, "LeNet5")
    check_head_arguments(include_top, pooling, classes, "LeNet5")
    smallest = MIN_SIZE - 2 * int(input_padding)
    inputs = model_input(input_shape, (32, 32, 1), (smallest, smallest), "LeNet5", input_tensor)
    x = inputs
    if input_padding:
        x = layers.ZeroPadding2D(int(input_padding), name="input_pad")(x)
    x = layers.Conv2D(6, 5, activation=activation, name="c1")(x)
    # Table 14-1 lists tanh on S2 and S4 as well.
    x = layers.AveragePooling2D(2, strides=2, name="s2")(x)
    x = layers.Activation(activation, name="s2_act")(x)
    x = layers.Conv2D(16, 5, activation=activation, name="c3")(x)
    x = layers.AveragePooling2D(2, strides=2, name="s4")(x)
    x = layers.Activation(activation, name="s4_act")(x)
    x = layers.Conv2D(120, 5, activation=activation, name="c5")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(84, activation=activation, name="f6")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = feature_pooling(x, pooling)
    return finish_model(inputs, x, "lenet5", input_tensor, weights)
