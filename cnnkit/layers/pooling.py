"""Min pooling (seed 001 lists it next to max and average pooling).

Each pooling window is replaced by its minimum: ``min(window) = -max(-window)``, so the output
size is the pooling formula ⌊(n − F)/S⌋ + 1 (``cnnkit.analysis.pool_output_size``).
"""

from __future__ import annotations

import keras
from keras import ops

from cnnkit.analysis import pool_output_size
from cnnkit.layers._args import pair


@keras.saving.register_keras_serializable(package="cnnkit")
class MinPooling2D(keras.layers.Layer):
    """Min pooling over ``pool_size`` windows, moved by ``strides`` (default: ``pool_size``), no weights.

    With ``padding="same"`` the border windows ignore the padding (they see only real pixels),
    exactly as Keras's max pooling does.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = pair(pool_size, "pool_size", "MinPooling2D")
        self.strides = self.pool_size if strides is None else pair(strides, "strides", "MinPooling2D")
        padding = str(padding).lower()
        if padding not in ("valid", "same"):
            raise ValueError(f'MinPooling2D: padding must be "valid" or "same", got {padding!r}')
        self.padding = padding

    def call(self, inputs):
        # -max(-x): max pooling's padding is -inf, so negating keeps border windows correct.
        return -ops.max_pool(-inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape):
        batch, h, w, c = input_shape
        h = None if h is None else pool_output_size(h, self.pool_size[0], self.strides[0], self.padding)
        w = None if w is None else pool_output_size(w, self.pool_size[1], self.strides[1], self.padding)
        return (batch, h, w, c)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding}
