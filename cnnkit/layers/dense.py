"""DenseNet's dense block and transition layer (Huang et al. 2017), BC variant included.

Inside a dense block every layer sees the concatenation of all earlier feature maps and adds
``growth_rate`` new ones; a transition layer compresses the channels (θ) and halves H and W.
Both use pre-activation BN → ReLU → conv and assume ``channels_last``. Sub-layer names follow
keras.applications DenseNet (``block1_0_bn``, ``block1_1_conv``, ...).
"""

from __future__ import annotations

import keras
from keras import layers

from cnnkit.analysis import pool_output_size


def _build_chain(chain, shape):
    for layer in chain:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
    return shape


@keras.saving.register_keras_serializable(package="cnnkit")
class DenseBlock(keras.layers.Layer):
    """``num_layers`` dense layers, each adding ``growth_rate`` (k) channels: C_out = C_in + L·k.

    A dense layer is BN-ReLU-Conv3x3(k); with ``bottleneck=True`` (DenseNet-B) it is
    BN-ReLU-Conv1x1(``bottleneck_width``·k)-BN-ReLU-Conv3x3(k). ``dropout_rate`` > 0 adds
    dropout after each convolution (the paper's setting for data without augmentation).
    """

    def __init__(self, num_layers, growth_rate, bottleneck=True, bottleneck_width=4,
                 dropout_rate=0.0, epsilon=1.001e-5, **kwargs):
        super().__init__(**kwargs)
        if not all(isinstance(v, int) and v >= 1 for v in (num_layers, growth_rate)):
            raise ValueError(f"DenseBlock: num_layers and growth_rate must be positive integers, got "
                             f"num_layers={num_layers!r}, growth_rate={growth_rate!r}")
        self.num_layers, self.growth_rate = num_layers, growth_rate
        self.bottleneck, self.bottleneck_width = bool(bottleneck), int(bottleneck_width)
        self.dropout_rate, self.epsilon = float(dropout_rate), float(epsilon)
        self.units = [self._dense_layer(i + 1) for i in range(num_layers)]

    def _dense_layer(self, i):
        def bn_relu_conv(stage, filters, kernel):
            chain = [layers.BatchNormalization(epsilon=self.epsilon, name=f"block{i}_{stage - 1}_bn"),
                     layers.Activation("relu", name=f"block{i}_{stage - 1}_relu"),
                     layers.Conv2D(filters, kernel, padding="same", use_bias=False,
                                   name=f"block{i}_{stage}_conv")]
            if self.dropout_rate:
                chain.append(layers.Dropout(self.dropout_rate, name=f"block{i}_{stage}_dropout"))
            return chain

        if self.bottleneck:
            return (bn_relu_conv(1, self.bottleneck_width * self.growth_rate, 1)
                    + bn_relu_conv(2, self.growth_rate, 3))
        return bn_relu_conv(2, self.growth_rate, 3)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError("DenseBlock: the channel dimension of the input must be known")
        channels = input_shape[-1]
        for unit in self.units:
            _build_chain(unit, (*input_shape[:3], channels))
            channels += self.growth_rate

    def call(self, inputs):
        x = inputs
        for unit in self.units:
            y = x
            for layer in unit:
                y = layer(y)
            x = keras.ops.concatenate([x, y], axis=-1)
        return x

    def compute_output_shape(self, input_shape):
        return (*input_shape[:3], input_shape[-1] + self.num_layers * self.growth_rate)

    def get_config(self):
        config = super().get_config()
        config.update({"num_layers": self.num_layers, "growth_rate": self.growth_rate,
                       "bottleneck": self.bottleneck, "bottleneck_width": self.bottleneck_width,
                       "dropout_rate": self.dropout_rate, "epsilon": self.epsilon})
        return config


@keras.saving.register_keras_serializable(package="cnnkit")
class TransitionLayer(keras.layers.Layer):
    """BN-ReLU-Conv1x1(⌊θ·C_in⌋)-AvgPool2x2/2 between dense blocks; θ = ``compression``.

    θ = 1 is plain DenseNet, θ = 0.5 is DenseNet-C/BC (and keras.applications' ``reduction``).
    """

    def __init__(self, compression=0.5, dropout_rate=0.0, epsilon=1.001e-5, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 < float(compression) <= 1.0:
            raise ValueError(f"TransitionLayer: compression θ must be in (0, 1], got {compression!r} "
                             f"(θ = 0.5 halves the channels, θ = 1 keeps them)")
        self.compression, self.dropout_rate = float(compression), float(dropout_rate)
        self.epsilon = float(epsilon)

    def filters(self, c_in):
        """Output channels ⌊θ·C_in⌋ (Huang et al. §3, Compression)."""
        return int(c_in * self.compression)

    def build(self, input_shape):
        c_in = input_shape[-1]
        if c_in is None:
            raise ValueError("TransitionLayer: the channel dimension of the input must be known")
        self.chain = [layers.BatchNormalization(epsilon=self.epsilon, name="bn"),
                      layers.Activation("relu", name="relu"),
                      layers.Conv2D(self.filters(c_in), 1, use_bias=False, name="conv")]
        if self.dropout_rate:
            self.chain.append(layers.Dropout(self.dropout_rate, name="dropout"))
        self.chain.append(layers.AveragePooling2D(2, strides=2, name="pool"))
        _build_chain(self.chain, input_shape)

    def call(self, inputs):
        x = inputs
        for layer in self.chain:
            x = layer(x)
        return x

    def compute_output_shape(self, input_shape):
        h, w = (None if n is None else pool_output_size(n, 2, 2) for n in input_shape[1:3])
        return (input_shape[0], h, w, self.filters(input_shape[-1]))

    def get_config(self):
        config = super().get_config()
        config.update({"compression": self.compression, "dropout_rate": self.dropout_rate,
                       "epsilon": self.epsilon})
        return config


__all__ = ["DenseBlock", "TransitionLayer"]
