"""ResNet-18/34/50/101/152 (He et al. 2016) and their pre-activation (v2) variants.

Layer names follow ``keras.applications`` (``conv1_conv``, ``conv2_block1_1_conv``,
``conv2_block3_out``) so that stages can be compared one by one.

- Bottleneck ResNets (50/101/152) are layer-for-layer ``keras.applications.ResNet50/101/152``:
  convolutions keep a bias before BN, the stride sits on the first 1x1 (25,636,712 /
  44,707,176 / 60,419,944 parameters). The V2 variants are ``keras.applications.ResNet50V2``
  etc.: pre-activation, and each stage's *last* block down-samples.
- Basic-block ResNets (18/34) follow torchvision's ``resnet18/34`` (no bias before BN, 1x1
  projection + BN when the shape changes): 11,689,512 / 21,797,672 trainable parameters.
  Their V2 variants use the pre-activation block of He et al., Identity mappings (2016),
  down-sampling in each stage's first block.
"""

from __future__ import annotations

from keras import layers

from cnnkit.layers.residual import ZeroPadShortcut
from cnnkit.models._common import (check_head_arguments, classifier_head, finish_model,
                                   model_input, reject_weights)

BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3),
          152: (3, 8, 36, 3)}
FILTERS = (64, 128, 256, 512)
# Every stride-2 step is zero-padded so it gives ⌈n/2⌉ ≥ 1: any input builds (a 224 input ends at
# 7x7, a 32 input at 1x1; the registry's min_input says the same).
MIN_SIZE = (1, 1)
_EPS = 1.001e-5  # keras.applications' BatchNormalization epsilon


def _bn(name):
    return layers.BatchNormalization(epsilon=_EPS, name=name)


def _bottleneck_v1(x, filters, stride, project, bias, name):
    if project:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, use_bias=bias, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, use_bias=bias, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.Conv2D(filters, 3, padding="same", use_bias=bias, name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = layers.Conv2D(4 * filters, 1, use_bias=bias, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _bottleneck_v2(x, filters, stride, project, bias, name):
    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if project:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, use_bias=bias, name=f"{name}_0_conv")(preact)
    elif stride > 1:
        shortcut = layers.MaxPooling2D(1, strides=stride, name=f"{name}_0_pool")(x)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = layers.Conv2D(4 * filters, 1, use_bias=bias, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def _projection_or_zero_pad(x, filters, stride, project, bias, name, bn=True):
    """The shortcut of a block: identity, 1x1 projection (+BN), or option A's zero padding."""
    if project == "zero_pad":
        return ZeroPadShortcut(filters, stride, name=f"{name}_0_pad")(x)
    if not project:
        return x
    x = layers.Conv2D(filters, 1, strides=stride, use_bias=bias, name=f"{name}_0_conv")(x)
    return _bn(f"{name}_0_bn")(x) if bn else x


def _basic_v1(x, filters, stride, project, bias, name):
    """conv3x3(stride)-BN-ReLU-conv3x3-BN, + shortcut, ReLU (``project``: False, True or "zero_pad")."""
    shortcut = _projection_or_zero_pad(x, filters, stride, project, bias, name)
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=bias, name=f"{name}_1_conv")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = layers.Conv2D(filters, 3, padding="same", use_bias=bias, name=f"{name}_2_conv")(x)
    x = _bn(f"{name}_2_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _basic_v2(x, filters, stride, project, bias, name, dropout_rate=0.0):
    """BN-ReLU-conv3x3(stride)-BN-ReLU-(dropout)-conv3x3, + shortcut (projections read the pre-activation)."""
    preact = _bn(f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    source = preact if project is True else x  # identity and zero-pad read the raw input
    shortcut = _projection_or_zero_pad(source, filters, stride, project, bias, name, bn=False)
    x = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=bias, name=f"{name}_1_conv")(preact)
    x = layers.Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    if dropout_rate:
        x = layers.Dropout(dropout_rate, name=f"{name}_dropout")(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=bias, name=f"{name}_2_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])


def _stage(x, filters, blocks, stride, bottleneck, preactivation, bias, name):
    """One stage (``conv2`` … ``conv5``): ``blocks`` blocks, the first (v2 bottleneck: last) strided."""
    block = {(True, False): _bottleneck_v1, (True, True): _bottleneck_v2,
             (False, False): _basic_v1, (False, True): _basic_v2}[bottleneck, preactivation]
    out_channels = filters * (4 if bottleneck else 1)
    for i in range(1, blocks + 1):
        if bottleneck and preactivation:
            # keras.applications ResNetV2: projection in block 1, stride in the last block.
            s = stride if i == blocks else 1
            project = i == 1
        else:
            s = stride if i == 1 else 1
            project = i == 1 and (s > 1 or x.shape[-1] != out_channels)
        x = block(x, filters, s, project, bias, f"{name}_block{i}")
    return x


def ResNet(depth, include_top=True, weights=None, input_tensor=None, input_shape=None,
           pooling=None, classes=1000, classifier_activation="softmax", preactivation=False,
           conv_bias=None, name=None):
    """ResNet-``depth`` (18, 34, 50, 101, 152), v1 or pre-activation v2.

    ``conv_bias`` (default: True for 50/101/152 as keras.applications, False for 18/34 as
    torchvision) says whether convolutions followed by BN keep a bias.
    """
    if depth not in BLOCKS:
        raise ValueError(f"ResNet: depth must be one of {sorted(BLOCKS)}, got {depth!r}; "
                         f"for CIFAR-style depths 6n+2 use ResNetCIFAR")
    model_name = name or f"ResNet{depth}{'V2' if preactivation else ''}"
    weights = reject_weights(weights, model_name)
    check_head_arguments(include_top, pooling, classes, model_name)
    bottleneck = depth >= 50
    bias = bottleneck if conv_bias is None else bool(conv_bias)
    inputs = model_input(input_shape, (224, 224, 3), MIN_SIZE, model_name, input_tensor)

    x = layers.ZeroPadding2D(((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=bias, name="conv1_conv")(x)
    if not preactivation:
        x = _bn("conv1_bn")(x)
        x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)

    for stage, (blocks, filters) in enumerate(zip(BLOCKS[depth], FILTERS), start=2):
        if bottleneck and preactivation:
            stride = 1 if stage == 5 else 2  # keras's v2 strides conv2..conv4's last blocks
        else:
            stride = 1 if stage == 2 else 2  # pool1 already halved the map before conv2
        x = _stage(x, filters, blocks, stride, bottleneck, preactivation, bias, f"conv{stage}")
    if preactivation:
        x = _bn("post_bn")(x)
        x = layers.Activation("relu", name="post_relu")(x)
    x = classifier_head(x, include_top, pooling, classes, classifier_activation)
    return finish_model(inputs, x, model_name.lower(), input_tensor, weights)


def _named(depth, preactivation):
    name = f"ResNet{depth}{'V2' if preactivation else ''}"

    def build(include_top=True, weights=None, input_tensor=None, input_shape=None, pooling=None,
              classes=1000, classifier_activation="softmax", conv_bias=None):
        return ResNet(depth, include_top=include_top, weights=weights, input_tensor=input_tensor,
                      input_shape=input_shape, pooling=pooling, classes=classes,
                      classifier_activation=classifier_activation, preactivation=preactivation,
                      conv_bias=conv_bias, name=name)

    build.__name__ = build.__qualname__ = name
    kind = "bottleneck" if depth >= 50 else "basic"
    build.__doc__ = (f"{name}: {kind} blocks {list(BLOCKS[depth])}"
                     f"{', pre-activation' if preactivation else ''}.")
    return build


ResNet18, ResNet34 = _named(18, False), _named(34, False)
ResNet50, ResNet101, ResNet152 = _named(50, False), _named(101, False), _named(152, False)
ResNet18V2, ResNet34V2 = _named(18, True), _named(34, True)
ResNet50V2, ResNet101V2, ResNet152V2 = _named(50, True), _named(101, True), _named(152, True)
