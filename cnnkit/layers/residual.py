"""Residual blocks (He et al. 2016): y = F(x) + shortcut(x).

``ResidualBlock`` — the basic block, two 3x3 convolutions (ResNet-18/34, CIFAR ResNets, WRN);
``BottleneckBlock`` — 1x1 (reduce) → 3x3 → 1x1 (expand ×4) (ResNet-50/101/152).

Orderings: post-activation (v1, He et al. 2015): conv-BN-ReLU … BN, add, ReLU;
pre-activation (v2, He et al., Identity mappings in deep residual networks, 2016):
BN-ReLU-conv …, add, nothing after.

Shortcuts: ``"identity"``; ``"projection"`` (1x1 convolution with stride s, + BN in v1);
``"zero_pad"`` (option A of the CIFAR ResNets: sub-sample by s and append zero channels, no
parameters); ``"auto"`` identity when shapes match, else projection (option B). The down-sampled
size is ⌈n/s⌉ (``cnnkit.analysis.conv_output_size`` with ``padding="same"``).
"""

from __future__ import annotations

import keras
from keras import layers, ops

from cnnkit.analysis import conv_output_size

_SHORTCUTS = {"auto": "auto", "b": "auto", "identity": "identity", "projection": "projection",
              "c": "projection", "zero_pad": "zero_pad", "a": "zero_pad"}


def canonical_shortcut(shortcut, where="shortcut"):
    """Map ``"A"``/``"B"``/``"C"`` (the paper's options) and the long names to one spelling."""
    key = str(shortcut).lower()
    if key not in _SHORTCUTS:
        raise ValueError(
            f'{where}: expected one of "auto", "identity", "projection", "zero_pad" '
            f'(or the paper\'s "A", "B", "C"), got {shortcut!r}'
        )
    return _SHORTCUTS[key]


def _same_size(n, stride):
    return None if n is None else conv_output_size(n, 1, stride, "same")


@keras.saving.register_keras_serializable(package="cnnkit")
class ZeroPadShortcut(keras.layers.Layer):
    """Option-A shortcut: keep every ``stride``-th pixel, pad the channels with zeros to ``filters``.

    Parameter-free (He et al. 2015, §4.2); the zeros are split evenly before and after the
    existing channels, as in the common CIFAR implementations.
    """

    def __init__(self, filters, stride=2, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.stride = int(filters), int(stride)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels > self.filters:
            raise ValueError(
                f"{self.name}: zero padding can only add channels: input has {channels}, "
                f"the block outputs {self.filters}; use shortcut=\"projection\" to reduce channels"
            )

    def call(self, inputs):
        x = inputs[:, :: self.stride, :: self.stride, :] if self.stride > 1 else inputs
        extra = self.filters - inputs.shape[-1]
        if extra:
            x = ops.pad(x, [[0, 0], [0, 0], [0, 0], [extra // 2, extra - extra // 2]])
        return x

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        return (b, _same_size(h, self.stride), _same_size(w, self.stride), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "stride": self.stride}


class _Residual(keras.layers.Layer):
    """Shared machinery: the shortcut, the ordering, shapes and config; subclasses list F's layers."""

    expansion = 1

    def __init__(self, filters, stride=1, shortcut="auto", preactivation=False, kernel_size=3,
                 use_bias=False, dropout_rate=0.0, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.stride, self.kernel_size = int(filters), int(stride), int(kernel_size)
        if self.filters < 1 or self.stride < 1:
            raise ValueError(f"{type(self).__name__}: filters and stride must be >= 1, "
                             f"got filters={filters!r}, stride={stride!r}")
        self.shortcut = canonical_shortcut(shortcut, type(self).__name__)
        self.preactivation = bool(preactivation)
        self.use_bias = bool(use_bias)
        self.dropout_rate = float(dropout_rate)

    @property
    def out_channels(self):
        return self.filters * self.expansion

    def _conv(self, filters, kernel, stride, name):
        return layers.Conv2D(filters, kernel, strides=stride, padding="same",
                             use_bias=self.use_bias, name=name)

    def _shortcut_kind(self, channels):
        if self.shortcut != "auto":
            return self.shortcut
        return "identity" if channels == self.out_channels and self.stride == 1 else "projection"

    def build(self, input_shape):
        channels = input_shape[-1]
        kind = self._shortcut_kind(channels)
        if kind == "identity" and (channels != self.out_channels or self.stride != 1):
            raise ValueError(
                f"{self.name}: an identity shortcut needs the input shape kept, but the block maps "
                f"{channels} channels to {self.out_channels} with stride {self.stride}; use "
                f'shortcut="projection" (or "zero_pad" for option A)'
            )
        self.pre = [layers.BatchNormalization(name="preact_bn"), layers.ReLU(name="preact_relu")] \
            if self.preactivation else []
        if kind == "projection":
            self.project = [self._conv(self.out_channels, 1, self.stride, "shortcut_conv")]
            if not self.preactivation:
                self.project.append(layers.BatchNormalization(name="shortcut_bn"))
        elif kind == "zero_pad":
            self.project = [ZeroPadShortcut(self.out_channels, self.stride, name="shortcut_pad")]
        else:
            self.project = []
        self.branch = self._branch_layers()
        self.post = [] if self.preactivation else [layers.ReLU(name="out_relu")]
        shape = tuple(input_shape)
        for layer in self.pre:
            layer.build(shape)
        pre_shape = shape
        for layer in self.project:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        shape = pre_shape
        for layer in self.branch:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.pre:
            x = layer(x, training=training)
        # v2 projections read the pre-activated input; identity and zero-pad shortcuts the raw one.
        short = x if (self.preactivation and self.project and self.shortcut != "zero_pad") else inputs
        for layer in self.project:
            short = layer(short, training=training)
        for layer in self.branch:
            x = layer(x, training=training)
        x = x + short
        for layer in self.post:
            x = layer(x)
        return x

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        return (b, _same_size(h, self.stride), _same_size(w, self.stride), self.out_channels)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "stride": self.stride,
                "shortcut": self.shortcut, "preactivation": self.preactivation,
                "kernel_size": self.kernel_size, "use_bias": self.use_bias,
                "dropout_rate": self.dropout_rate}


@keras.saving.register_keras_serializable(package="cnnkit")
class ResidualBlock(_Residual):
    """Basic block: two k x k convolutions (stride on the first), output ``filters`` channels.

    v1: conv-BN-ReLU-conv-BN, + shortcut, ReLU.  v2: BN-ReLU-conv-BN-ReLU-(dropout)-conv, + shortcut.
    """

    def _branch_layers(self):
        k, f = self.kernel_size, self.filters
        if self.preactivation:
            out = [self._conv(f, k, self.stride, "conv1"), layers.BatchNormalization(name="bn2"),
                   layers.ReLU(name="relu2")]
            if self.dropout_rate:
                out.append(layers.Dropout(self.dropout_rate, name="dropout"))
            return out + [self._conv(f, k, 1, "conv2")]
        out = [self._conv(f, k, self.stride, "conv1"), layers.BatchNormalization(name="bn1"),
               layers.ReLU(name="relu1")]
        if self.dropout_rate:
            out.append(layers.Dropout(self.dropout_rate, name="dropout"))
        return out + [self._conv(f, k, 1, "conv2"), layers.BatchNormalization(name="bn2")]


@keras.saving.register_keras_serializable(package="cnnkit")
class BottleneckBlock(_Residual):
    """Bottleneck block: 1x1 to ``filters``, k x k, 1x1 to 4·``filters`` channels.

    v1 strides the first 1x1 (as keras.applications ResNet50 and the original Caffe models);
    v2 strides the 3x3 (as keras.applications ResNet50V2).
    """

    expansion = 4

    def _branch_layers(self):
        k, f, s = self.kernel_size, self.filters, self.stride
        if self.preactivation:
            return [self._conv(f, 1, 1, "conv1"), layers.BatchNormalization(name="bn2"),
                    layers.ReLU(name="relu2"), self._conv(f, k, s, "conv2"),
                    layers.BatchNormalization(name="bn3"), layers.ReLU(name="relu3"),
                    self._conv(self.out_channels, 1, 1, "conv3")]
        return [self._conv(f, 1, s, "conv1"), layers.BatchNormalization(name="bn1"),
                layers.ReLU(name="relu1"), self._conv(f, k, 1, "conv2"),
                layers.BatchNormalization(name="bn2"), layers.ReLU(name="relu2"),
                self._conv(self.out_channels, 1, 1, "conv3"), layers.BatchNormalization(name="bn3")]
