"""Local response normalization, AlexNet's "brightness normalization" (Krizhevsky et al. 2012, §3.3).

    b[x, y, i] = a[x, y, i] / (k + α · Σ_{j = max(0, i − n/2)}^{min(N − 1, i + n/2)} a[x, y, j]²)^β

a sum over ``n`` adjacent channels (N channels in all); the paper uses k = 2, n = 5,
α = 1e-4, β = 0.75. Same α convention as ``tf.nn.local_response_normalization`` (α is not
divided by n, unlike Caffe).
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="cnnkit")
class LocalResponseNormalization(keras.layers.Layer):
    """Divide each activation by a power of the summed squares of its ``size`` neighbouring channels."""

    def __init__(self, size=5, k=2.0, alpha=1e-4, beta=0.75, **kwargs):
        super().__init__(**kwargs)
        if int(size) < 1 or int(size) % 2 == 0:
            raise ValueError(
                f"LocalResponseNormalization: size must be a positive odd number of channels "
                f"(the window is centred on each channel), got {size!r}; the paper uses 5"
            )
        self.size, self.k, self.alpha, self.beta = int(size), float(k), float(alpha), float(beta)

    def call(self, inputs):
        half = self.size // 2
        squares = ops.square(inputs)
        padded = ops.pad(squares, [[0, 0]] * (len(inputs.shape) - 1) + [[half, half]])
        channels = ops.shape(inputs)[-1]
        window_sum = padded[..., 0:channels]
        for offset in range(1, self.size):
            window_sum = window_sum + padded[..., offset:offset + channels]
        return inputs / ops.power(self.k + self.alpha * window_sum, self.beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "size": self.size, "k": self.k, "alpha": self.alpha,
                "beta": self.beta}
