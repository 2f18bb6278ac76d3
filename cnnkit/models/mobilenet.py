"""MobileNet v1 (Howard et al., MobileNets, 2017), with width multiplier α and depth multiplier.

Layer for layer ``keras.applications.MobileNet`` (4,253,864 parameters at 224x224x3, α = 1):
a 3x3/2 convolution, then 13 depthwise-separable blocks — depthwise 3x3 → BN → ReLU6 →
pointwise 1x1 → BN → ReLU6 — and keras's top (global pool, dropout, a 1x1 conv "conv_preds"
as the classifier, reshape). Each layer has ⌊α·filters⌋ channels.
"""

from __future__ import annotations

from keras import layers

from cnnkit.models._common import (check_head_arguments, finish_model, model_input,
                                   registered_min_input, reject_weights)

# (pointwise filters, stride) of blocks 1–13 (Table 1 of the paper).
BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
          (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))


def _depthwise_block(x, filters, stride, depth_multiplier, block):
    if stride == 1:
        x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=depth_multiplier,
                                   use_bias=False, name=f"conv_dw_{block}")(x)
    else:
        # keras pads one row/column after the input, then a valid 3x3/2: output ⌊n/2⌋.
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block}")(x)
        x = layers.DepthwiseConv2D(3, strides=stride, padding="valid",
                                   depth_multiplier=depth_multiplier, use_bias=False,
                                   name=f"conv_dw_{block}")(x)
    x = layers.BatchNormalization(name=f"conv_dw_{block}_bn")(x)
    x = layers.ReLU(6.0, name=f"conv_dw_{block}_relu")(x)
    x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"conv_pw_{block}")(x)
    x = layers.BatchNormalization(name=f"conv_pw_{block}_bn")(x)
    return layers.ReLU(6.0, name=f"conv_pw_{block}_relu")(x)


def MobileNet(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", alpha=1.0, depth_multiplier=1,
              dropout=1e-3, name=None):
    """MobileNet v1, default input 224x224x3; the smallest input is 31x31 (conv1's ⌈n/2⌉, then
    four ⌊n/2⌋ depthwise steps: 31 → 16 → 8 → 4 → 2 → 1; keras.applications asks 32)."""
    weights = reject_weights(weights, "MobileNet")
    check_head_arguments(include_top, pooling, classes, "MobileNet")
    if not alpha > 0 or not isinstance(depth_multiplier, int) or depth_multiplier < 1:
        raise ValueError(f"MobileNet: alpha must be > 0 and depth_multiplier a positive integer, got "
                         f"alpha={alpha!r}, depth_multiplier={depth_multiplier!r}")
    img = model_input(input_shape, (224, 224, 3), registered_min_input("MobileNet"), "MobileNet",
                      input_tensor)

    x = layers.Conv2D(int(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="conv1")(img)
    x = layers.BatchNormalization(name="conv1_bn")(x)
    x = layers.ReLU(6.0, name="conv1_relu")(x)
    for block, (filters, stride) in enumerate(BLOCKS, start=1):
        x = _depthwise_block(x, int(filters * alpha), stride, depth_multiplier, block)

    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True, name="avg_pool")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation(classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    rows = img.shape[1]
    return finish_model(img, x, name or f"mobilenet_{alpha:0.2f}_{rows}", input_tensor, weights)


__all__ = ["MobileNet"]
