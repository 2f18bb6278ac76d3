"""The CIFAR-10 ResNets of He et al. 2015, §4.2: depth 6n+2 on 32x32x3 inputs.

conv3x3 16 → three stages of n basic blocks with 16, 32, 64 filters (maps 32, 16, 8; the
first block of stages 2 and 3 has stride 2) → global average pool → FC classes.
Shortcuts (paper's options): ``"A"`` identity, zero-padding when the shape changes (no
parameters; the paper's CIFAR choice); ``"B"`` 1x1 projection when it changes; ``"C"``
projection everywhere. Table 6: ResNet-20/32/44/56/110 have 0.27M/0.46M/0.66M/0.85M/1.7M.
"""

from __future__ import annotations

from keras import layers

from cnnkit.layers.residual import canonical_shortcut
from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, reject_weights)
from cnnkit.models.resnet import _basic_v1, _basic_v2, _bn

FILTERS = (16, 32, 64)
# The two stride-2 stages are "same"-padded (⌈n/2⌉ ≥ 1): any input builds; 32 ends at 8x8.
MIN_SIZE = (1, 1)


def blocks_per_stage(depth, model_name="ResNetCIFAR", extra=2, per_block=6):
    """n from depth = 6n + 2 (a message with the nearest valid depths otherwise)."""
    if not isinstance(depth, int) or depth < per_block + extra or (depth - extra) % per_block:
        n = max(1, round((int(depth) - extra) / per_block)) if isinstance(depth, (int, float)) else 1
        raise ValueError(
            f"{model_name}: depth must be {per_block}n + {extra} (n ≥ 1: three stages of n blocks "
            f"with {per_block // 3} layers each, plus {extra}), got {depth!r}; "
            f"nearest valid: {per_block * n + extra}, {per_block * (n + 1) + extra}"
        )
    return (depth - extra) // per_block


def ResNetCIFAR(depth=20, include_top=True, weights=None, input_tensor=None, input_shape=None,
                pooling=None, classes=10, classifier_activation="softmax", shortcut="A",
                preactivation=False):
    """ResNet-``depth`` for CIFAR (20, 32, 44, 56, 110, …); ``preactivation=True`` for the v2 ordering."""
    model_name = f"ResNet{depth}CIFAR"
    n = blocks_per_stage(depth, "ResNetCIFAR")
    kind = canonical_shortcut(shortcut, "ResNetCIFAR shortcut")
    weights = reject_weights(weights, model_name)
    check_head_arguments(include_top, pooling, classes, model_name)
    inputs = model_input(input_shape, (32, 32, 3), MIN_SIZE, model_name, input_tensor)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False, name="conv1_conv")(inputs)
    if not preactivation:
        x = _bn("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    block = _basic_v2 if preactivation else _basic_v1
    for stage, filters in enumerate(FILTERS, start=2):
        for i in range(1, n + 1):
            stride = 2 if stage > 2 and i == 1 else 1
            changes = stride > 1 or x.shape[-1] != filters
            if kind == "projection":
                project = True
            elif changes:
                project = "zero_pad" if kind == "zero_pad" else True
            else:
                project = False
            if kind == "identity" and changes:
                raise ValueError(f'ResNetCIFAR: shortcut="identity" cannot join conv{stage}_block{i}, '
                                 f'which changes the shape; use "A" (zero padding) or "B" (projection)')
            x = block(x, filters, stride, project, False, f"conv{stage}_block{i}")
    if preactivation:
        x = _bn("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(inputs, x, model_name.lower(), input_tensor, weights)
