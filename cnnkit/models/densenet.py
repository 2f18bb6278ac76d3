"""DenseNet-121/169/201 (Huang et al., Densely connected convolutional networks, 2017).

Layer for layer ``keras.applications.DenseNet121/169/201`` (same parameters, same shape after
every stage), written with :class:`cnnkit.layers.DenseBlock` (stages ``conv2``–``conv5``) and
:class:`cnnkit.layers.TransitionLayer` (``pool2``–``pool4``): DenseNet-BC, growth rate 32,
bottleneck 4k, compression 0.5.
"""

from __future__ import annotations

from keras import layers

from cnnkit.layers.dense import DenseBlock, TransitionLayer
from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, registered_min_input, reject_weights)

BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32)}
GROWTH_RATE = 32
COMPRESSION = 0.5
_EPS = 1.001e-5  # keras.applications' BatchNormalization epsilon


def DenseNet(blocks, include_top=True, weights=None, input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", growth_rate=GROWTH_RATE,
             compression=COMPRESSION, name="densenet", registry_name="DenseNet121"):
    """ImageNet DenseNet with ``blocks`` dense layers per stage; default input 224x224x3."""
    weights = reject_weights(weights, registry_name)
    check_head_arguments(include_top, pooling, classes, registry_name)
    img = model_input(input_shape, (224, 224, 3), registered_min_input(registry_name), registry_name,
                      input_tensor)

    x = layers.ZeroPadding2D(((3, 3), (3, 3)), name="zero_padding2d")(img)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=_EPS, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="zero_padding2d_1")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, n in enumerate(blocks, start=2):
        x = DenseBlock(n, growth_rate, bottleneck=True, epsilon=_EPS, name=f"conv{stage}")(x)
        if stage < len(blocks) + 1:
            x = TransitionLayer(compression, epsilon=_EPS, name=f"pool{stage}")(x)
    x = layers.BatchNormalization(epsilon=_EPS, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(img, x, name, input_tensor, weights)


def _builder(depth):
    def build(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", name=f"densenet{depth}"):
        return DenseNet(BLOCKS[depth], include_top, weights, input_tensor, input_shape, pooling,
                        classes, classifier_activation, name=name, registry_name=f"DenseNet{depth}")

    build.__name__ = build.__qualname__ = f"DenseNet{depth}"
    build.__doc__ = (f"DenseNet-{depth}: dense blocks {list(BLOCKS[depth])}, growth rate 32 "
                     f"(= keras.applications.DenseNet{depth}); default input 224x224x3.")
    return build


DenseNet121 = _builder(121)
DenseNet169 = _builder(169)
DenseNet201 = _builder(201)

__all__ = ["DenseNet", "DenseNet121", "DenseNet169", "DenseNet201"]
