"""Squeeze-and-excitation (Hu et al., Squeeze-and-excitation networks, 2018).

squeeze: z = global average of each channel; excitation: s = σ(W₂ · ReLU(W₁ z)) with
W₁: C → C/r and W₂: C/r → C; output: each channel of x scaled by its s. Parameters:
``dense_params(C, C/r) + dense_params(C/r, C)`` = 2C²/r + C/r + C.
"""

from __future__ import annotations

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="cnnkit")
class SqueezeExcitation(keras.layers.Layer):
    """Re-weight channels by a gate learned from their global averages (reduction ratio ``ratio``)."""

    def __init__(self, ratio=16, min_units=1, **kwargs):
        super().__init__(**kwargs)
        if int(ratio) < 1:
            raise ValueError(f"SqueezeExcitation: ratio must be >= 1, got {ratio!r}; the paper uses 16")
        self.ratio, self.min_units = int(ratio), int(min_units)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("SqueezeExcitation: the channel count of the input must be known")
        units = max(self.min_units, channels // self.ratio)
        self.squeeze = layers.Dense(units, activation="relu", name="squeeze")
        self.excite = layers.Dense(channels, activation="sigmoid", name="excite")
        self.squeeze.build((None, channels))
        self.excite.build((None, units))

    def call(self, inputs):
        z = ops.mean(inputs, axis=(1, 2))
        s = self.excite(self.squeeze(z))
        return inputs * s[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "ratio": self.ratio, "min_units": self.min_units}
