"""Wide residual networks WRN-d-k (Zagoruyko & Komodakis 2016).

conv3x3 16 → three stages of N = (d − 4)/6 pre-activation basic blocks with 16k, 32k, 64k
filters (stride 1, 2, 2; 1x1 projection when the shape changes; dropout between the two
convolutions) → BN-ReLU → global average pool → FC classes. The paper reports 36.5M
parameters for WRN-28-10, 8.9M for WRN-40-4 and 11.0M for WRN-16-8.
"""

from __future__ import annotations

from keras import layers

from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, reject_weights)
from cnnkit.models.resnet import _basic_v2, _bn
from cnnkit.models.resnet_cifar import MIN_SIZE, blocks_per_stage

FILTERS = (16, 32, 64)


def WideResNet(depth=28, width=10, dropout_rate=0.0, include_top=True, weights=None,
               input_tensor=None, input_shape=None, pooling=None, classes=10,
               classifier_activation="softmax"):
    """WRN-``depth``-``width`` (depth = 6N + 4); the paper uses ``dropout_rate=0.3`` in some runs."""
    model_name = f"WRN-{depth}-{width}"
    n = blocks_per_stage(depth, "WideResNet", extra=4)
    if not isinstance(width, int) or width < 1:
        raise ValueError(f"WideResNet: width must be a positive integer (k in WRN-d-k), got {width!r}")
    weights = reject_weights(weights, model_name)
    check_head_arguments(include_top, pooling, classes, model_name)
    inputs = model_input(input_shape, (32, 32, 3), MIN_SIZE, model_name, input_tensor)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="conv1_conv")(inputs)
    for stage, base in enumerate(FILTERS, start=2):
        filters = base * width
        for i in range(1, n + 1):
            stride = 2 if stage > 2 and i == 1 else 1
            project = stride > 1 or x.shape[-1] != filters
            x = _basic_v2(x, filters, stride, project, False, f"conv{stage}_block{i}",
                          dropout_rate=dropout_rate)
    x = _bn("post_bn")(x)
    x = layers.Activation("relu", name="post_relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(inputs, x, f"wrn_{depth}_{width}", input_tensor, weights)
