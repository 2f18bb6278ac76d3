"""DenseNet and DenseNet-BC for CIFAR-sized inputs (Huang et al. 2017, §3 "Implementation Details").

A 3x3 convolution (16 channels, or 2k for DenseNet-BC), three dense blocks with the same number
of layers, 1x1-conv + 2x2 average-pool transitions between them, then BN-ReLU, global average
pooling and the softmax classifier. Depth L counts the weight layers:
L = 3·n + 4 (plain, n 3x3 layers per block) or L = 6·n + 4 (bottleneck, n 1x1+3x3 pairs).
"""

from __future__ import annotations

from keras import layers

from cnnkit.layers.dense import DenseBlock, TransitionLayer
from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, registered_min_input, reject_weights)

_EPS = 1.001e-5


def layers_per_block(depth, bottleneck):
    """n from L = 3·n·(2 if bottleneck else 1) + 4, with an error that lists valid depths."""
    per_layer = 6 if bottleneck else 3
    if not isinstance(depth, int) or depth < per_layer + 4 or (depth - 4) % per_layer:
        kind = "DenseNet-BC (bottleneck)" if bottleneck else "DenseNet (no bottleneck)"
        valid = ", ".join(str(per_layer * n + 4) for n in (1, 2, 6, 12, 16))
        raise ValueError(f"DenseNetCIFAR: {kind} needs depth L = {per_layer}·n + 4, got L={depth!r}; "
                         f"e.g. {valid} (the paper uses 40 and 100 plain; 100, 190 and 250 BC)")
    return (depth - 4) // per_layer


def DenseNetCIFAR(include_top=True, weights=None, input_tensor=None, input_shape=None,
                  pooling=None, classes=10, classifier_activation="softmax", depth=100,
                  growth_rate=12, bottleneck=True, compression=0.5, dropout_rate=0.0, name=None):
    """DenseNet(-BC) of depth L and growth rate k; default DenseNet-BC (L=100, k=12) on 32x32x3.

    ``bottleneck`` adds the 1x1 (4k) convolution of DenseNet-B; ``compression`` θ < 1 makes it
    DenseNet-C (both: DenseNet-BC). ``dropout_rate`` 0.2 is the paper's choice without augmentation.
    """
    n = layers_per_block(depth, bottleneck)
    name = name or f"densenet{'_bc' if bottleneck and compression < 1 else ''}_{depth}_{growth_rate}"
    weights = reject_weights(weights, "DenseNetCIFAR")
    check_head_arguments(include_top, pooling, classes, "DenseNetCIFAR")
    img = model_input(input_shape, (32, 32, 3), registered_min_input("DenseNetCIFAR"),
                      "DenseNetCIFAR", input_tensor)

    stem = 2 * growth_rate if bottleneck and compression < 1 else 16
    x = layers.Conv2D(stem, 3, padding="same", use_bias=False, name="conv1")(img)
    for block in (1, 2, 3):
        x = DenseBlock(n, growth_rate, bottleneck=bottleneck, dropout_rate=dropout_rate,
                       epsilon=_EPS, name=f"dense{block}")(x)
        if block < 3:
            x = TransitionLayer(compression, dropout_rate=dropout_rate, epsilon=_EPS,
                                name=f"transition{block}")(x)
    x = layers.BatchNormalization(epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(img, x, name, input_tensor, weights)


__all__ = ["DenseNetCIFAR", "layers_per_block"]
