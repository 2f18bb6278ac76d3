"""Depthwise-separable convolution written as its two stages (seed 002, Xception).

A depthwise stage filters each input channel on its own (``depth_multiplier`` spatial filters per
channel); a 1x1 pointwise stage then mixes the channels. Weights, arguments and outputs match
``keras.layers.SeparableConv2D``; parameters are :func:`cnnkit.analysis.separable_conv2d_params`.
"""

from __future__ import annotations

import keras
from keras import activations, constraints, initializers, ops, regularizers

from cnnkit.analysis import conv_output_size
from cnnkit.layers._args import pair


@keras.saving.register_keras_serializable(package="cnnkit")
class SeparableConv2D(keras.layers.Layer):
    """Depthwise k x k convolution per channel, then a 1x1 pointwise convolution (+ bias, activation).

    Same constructor arguments and weight layout (``depthwise_kernel`` k·k·C_in·dm,
    ``pointwise_kernel`` 1·1·(C_in·dm)·filters, ``bias``) as ``keras.layers.SeparableConv2D``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if int(filters) < 1 or int(depth_multiplier) < 1:
            raise ValueError(
                f"SeparableConv2D: filters and depth_multiplier must be >= 1, got "
                f"filters={filters}, depth_multiplier={depth_multiplier}"
            )
        self.filters = int(filters)
        self.kernel_size = pair(kernel_size, "kernel_size", "SeparableConv2D")
        self.strides = pair(strides, "strides", "SeparableConv2D")
        self.dilation_rate = pair(dilation_rate, "dilation_rate", "SeparableConv2D")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f'SeparableConv2D: padding must be "valid" or "same", got {padding!r}')
        self.data_format = keras.backend.image_data_format() if data_format is None else data_format
        self.depth_multiplier = int(depth_multiplier)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        c_in = input_shape[self._channel_axis()]
        if c_in is None:
            raise ValueError("SeparableConv2D: the channel dimension of the input must be known")
        # Depthwise stage: one k x k filter per input channel and per depth multiplier.
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=(*self.kernel_size, c_in, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        # Pointwise stage: a 1x1 convolution mixing the C_in·dm depthwise maps into `filters`.
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1, 1, c_in * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def call(self, inputs):
        x = ops.depthwise_conv(inputs, self.depthwise_kernel, strides=self.strides,
                               padding=self.padding, data_format=self.data_format,
                               dilation_rate=self.dilation_rate)
        x = ops.conv(x, self.pointwise_kernel, strides=1, padding="valid",
                     data_format=self.data_format)
        if self.use_bias:
            shape = ((1, 1, 1, self.filters) if self.data_format == "channels_last"
                     else (1, self.filters, 1, 1))
            x = ops.add(x, ops.reshape(self.bias, shape))
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            batch, h, w, _ = input_shape
        else:
            batch, _, h, w = input_shape
        h, w = (None if n is None else conv_output_size(n, k, s, self.padding, d)
                for n, k, s, d in zip((h, w), self.kernel_size, self.strides, self.dilation_rate))
        if self.data_format == "channels_last":
            return (batch, h, w, self.filters)
        return (batch, self.filters, h, w)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "depth_multiplier": self.depth_multiplier,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
