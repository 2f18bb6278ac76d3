"""GoogLeNet's inception module (naive, with 1x1 reductions, or factorised as in Inception v2/v3)
and its auxiliary classifier head (Szegedy et al. 2015, 2016; seed 000).

Both layers assume ``channels_last`` (the course's layout).
"""

from __future__ import annotations

import keras
from keras import layers

from cnnkit.analysis import conv2d_macs, pool_output_size

_FACTORIZATIONS = (None, "3x3", "asymmetric")


@keras.saving.register_keras_serializable(package="cnnkit")
class InceptionModule(keras.layers.Layer):
    """Parallel 1x1, 3x3, 5x5 and 3x3-pool branches at stride 1, concatenated on the channel axis.

    Arguments follow the columns of GoogLeNet's Table 1: ``#1x1, #3x3 reduce, #3x3, #5x5 reduce,
    #5x5, pool proj`` — inception (3a) is ``InceptionModule(64, 96, 128, 16, 32, 32)``.

    - ``naive=True``: the paper's Figure 2(a) without the 1x1 reductions or pool projection
      (give ``filters_1x1``, ``filters_3x3``, ``filters_5x5`` only); the pool branch keeps the
      input's channels, so the output has ``f1 + f3 + f5 + C_in`` channels.
    - ``factorization="3x3"``: Inception v2/v3 — the 5x5 is replaced by two stacked 3x3
      convolutions with ``filters_5x5`` each (as keras InceptionV3's ``branch3x3dbl``).
    - ``factorization="asymmetric"``: every n x n is replaced by 1 x n then n x 1 (``n``, default
      7): the 3x3 branch becomes 1xn → nx1 and the 5x5 branch 1xn → nx1 → 1xn → nx1;
      intermediate convolutions keep the reduce width, the last gives the branch's filters
      (as keras InceptionV3's ``mixed4``–``mixed7``).
    - ``batch_norm=True``: each convolution is conv (no bias) → BN → activation, as in v2/v3;
      the default (False) is GoogLeNet's conv + bias → ReLU.
    """

    def __init__(self, filters_1x1, filters_3x3_reduce=None, filters_3x3=None,
                 filters_5x5_reduce=None, filters_5x5=None, pool_proj=None, *, naive=False,
                 factorization=None, n=7, pool="max", batch_norm=False, activation="relu",
                 **kwargs):
        super().__init__(**kwargs)
        reductions = {"filters_3x3_reduce": filters_3x3_reduce,
                      "filters_5x5_reduce": filters_5x5_reduce, "pool_proj": pool_proj}
        if naive:
            given = [k for k, v in reductions.items() if v]
            if given:
                raise ValueError(
                    f"InceptionModule(naive=True) has no 1x1 reductions, but {', '.join(given)} "
                    f"was given: drop it, or use naive=False for the module with reductions"
                )
            needed = {"filters_1x1": filters_1x1, "filters_3x3": filters_3x3,
                      "filters_5x5": filters_5x5}
        else:
            needed = {"filters_1x1": filters_1x1, "filters_3x3": filters_3x3,
                      "filters_5x5": filters_5x5, **reductions}
        bad = {k: v for k, v in needed.items() if not isinstance(v, int) or v < 1}
        if bad:
            raise ValueError(
                f"InceptionModule: expected positive integer channel counts, got {bad}; the "
                f"module with reductions needs all six of Table 1's columns "
                f"(#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)"
            )
        if factorization not in _FACTORIZATIONS:
            raise ValueError(f"InceptionModule: factorization must be one of {_FACTORIZATIONS}, "
                             f"got {factorization!r}")
        if pool not in ("max", "avg"):
            raise ValueError(f'InceptionModule: pool must be "max" or "avg", got {pool!r}')
        self.filters_1x1, self.filters_3x3, self.filters_5x5 = filters_1x1, filters_3x3, filters_5x5
        self.filters_3x3_reduce, self.filters_5x5_reduce = filters_3x3_reduce, filters_5x5_reduce
        self.pool_proj = pool_proj
        self.naive, self.factorization, self.n = bool(naive), factorization, int(n)
        self.pool, self.batch_norm, self.activation = pool, bool(batch_norm), activation
        self.branches = self._make_branches()

    def _conv(self, filters, kernel, name):
        """One convolution unit: conv + bias → activation, or conv → BN → activation."""
        if not self.batch_norm:
            return [layers.Conv2D(filters, kernel, padding="same", activation=self.activation,
                                  name=name)]
        return [layers.Conv2D(filters, kernel, padding="same", use_bias=False, name=name),
                layers.BatchNormalization(name=f"{name}_bn"),
                layers.Activation(self.activation, name=f"{name}_act")]

    def _make_branches(self):
        n = self.n
        b3 = self._conv(self.filters_3x3_reduce, 1, "branch3x3_reduce") if not self.naive else []
        b5 = self._conv(self.filters_5x5_reduce, 1, "branch5x5_reduce") if not self.naive else []
        mid3 = self.filters_3x3_reduce or self.filters_3x3
        mid5 = self.filters_5x5_reduce or self.filters_5x5
        if self.factorization == "asymmetric":
            b3 += (self._conv(mid3, (1, n), "branch3x3_1xn")
                   + self._conv(self.filters_3x3, (n, 1), "branch3x3_nx1"))
            b5 += (self._conv(mid5, (1, n), "branch5x5_1xn_a")
                   + self._conv(mid5, (n, 1), "branch5x5_nx1_a")
                   + self._conv(mid5, (1, n), "branch5x5_1xn_b")
                   + self._conv(self.filters_5x5, (n, 1), "branch5x5_nx1_b"))
        else:
            b3 += self._conv(self.filters_3x3, 3, "branch3x3")
            if self.factorization == "3x3":
                b5 += (self._conv(self.filters_5x5, 3, "branch5x5_3x3_a")
                       + self._conv(self.filters_5x5, 3, "branch5x5_3x3_b"))
            else:
                b5 += self._conv(self.filters_5x5, 5, "branch5x5")
        pooling = layers.MaxPooling2D if self.pool == "max" else layers.AveragePooling2D
        bp = [pooling(3, strides=1, padding="same", name="branch_pool")]
        if not self.naive:
            bp += self._conv(self.pool_proj, 1, "branch_pool_proj")
        return {"1x1": self._conv(self.filters_1x1, 1, "branch1x1"), "3x3": b3, "5x5": b5, "pool": bp}

    def convolutions(self, branch=None):
        """The Conv2D layers of one branch (``"1x1"``, ``"3x3"``, ``"5x5"``, ``"pool"``) or of all."""
        names = list(self.branches) if branch is None else [branch]
        return [l for b in names for l in self.branches[b] if isinstance(l, layers.Conv2D)]

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError("InceptionModule: the channel dimension of the input must be known")
        for branch in self.branches.values():
            shape = input_shape
            for layer in branch:
                layer.build(shape)
                shape = layer.compute_output_shape(shape)
        self.input_hw = (input_shape[1], input_shape[2])

    def call(self, inputs):
        outputs = []
        for branch in self.branches.values():
            x = inputs
            for layer in branch:
                x = layer(x)
            outputs.append(x)
        return keras.ops.concatenate(outputs, axis=-1)

    def compute_output_shape(self, input_shape):
        pool_channels = input_shape[-1] if self.naive else self.pool_proj
        return (*input_shape[:3], self.filters_1x1 + self.filters_3x3 + self.filters_5x5 + pool_channels)

    def macs(self):
        """Multiply-accumulates of all the module's convolutions for one input (seed 000's count).

        Every branch runs at stride 1 with ``"same"`` padding, so each output map is H x W.
        """
        if not self.built:
            raise ValueError("InceptionModule.macs(): build the module first (call it on an "
                             "input, or module.build((None, H, W, C))) so H, W and C_in are known")
        h, w = self.input_hw
        return sum(conv2d_macs(h, w, c.kernel_size, c.kernel.shape[2], c.filters)
                   for c in self.convolutions())

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters_1x1": self.filters_1x1, "filters_3x3_reduce": self.filters_3x3_reduce,
            "filters_3x3": self.filters_3x3, "filters_5x5_reduce": self.filters_5x5_reduce,
            "filters_5x5": self.filters_5x5, "pool_proj": self.pool_proj, "naive": self.naive,
            "factorization": self.factorization, "n": self.n, "pool": self.pool,
            "batch_norm": self.batch_norm, "activation": self.activation,
        })
        return config


@keras.saving.register_keras_serializable(package="cnnkit")
class AuxiliaryClassifier(keras.layers.Layer):
    """GoogLeNet's side head: avg-pool 5x5/3 → 1x1 conv 128 + ReLU → FC 1024 + ReLU → dropout 0.7 → FC.

    On 4a/4d of a 224 input it pools 14x14 to 4x4. Smaller maps degrade gracefully: the pool
    window is min(5, H) x min(5, W), so a 2x2 map (GoogLeNet at 32x32) pools to 1x1.
    ``batch_norm=True`` puts BN after the 1x1 convolution (Inception v3's auxiliary head).
    """

    def __init__(self, classes, pool_size=5, strides=3, filters=128, units=1024,
                 dropout_rate=0.7, activation="softmax", batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(classes, int) or classes < 1:
            raise ValueError(
                f"AuxiliaryClassifier: classes must be a positive integer, got {classes!r}")
        self.classes, self.pool_size, self.strides = classes, int(pool_size), int(strides)
        self.filters, self.units, self.dropout_rate = int(filters), int(units), float(dropout_rate)
        self.activation, self.batch_norm = activation, bool(batch_norm)
        self.head = [
            layers.Conv2D(self.filters, 1, use_bias=not self.batch_norm,
                          activation=None if self.batch_norm else "relu", name="conv"),
            *([layers.BatchNormalization(name="conv_bn"), layers.Activation("relu", name="conv_relu")]
              if self.batch_norm else []),
            layers.Flatten(name="flatten"),
            layers.Dense(self.units, activation="relu", name="fc"),
            layers.Dropout(self.dropout_rate, name="dropout"),
            layers.Dense(self.classes, activation=self.activation, name="predictions"),
        ]

    def _window(self, input_shape):
        return tuple(self.pool_size if n is None else min(self.pool_size, n) for n in input_shape[1:3])

    def build(self, input_shape):
        self.pool = layers.AveragePooling2D(self._window(input_shape), strides=self.strides, name="pool")
        shape = input_shape
        for layer in [self.pool, *self.head]:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(self, inputs):
        x = self.pool(inputs)
        for layer in self.head:
            x = layer(x)
        return x

    def pooled_size(self, input_shape):
        """(H, W) after the average pool, from :func:`cnnkit.analysis.pool_output_size`."""
        return tuple(pool_output_size(n, k, self.strides) for n, k in
                     zip(input_shape[1:3], self._window(input_shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.classes)

    def get_config(self):
        config = super().get_config()
        config.update({
            "classes": self.classes, "pool_size": self.pool_size, "strides": self.strides,
            "filters": self.filters, "units": self.units, "dropout_rate": self.dropout_rate,
            "activation": self.activation, "batch_norm": self.batch_norm,
        })
        return config


__all__ = ["InceptionModule", "AuxiliaryClassifier"]
