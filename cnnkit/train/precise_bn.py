"""Precise BatchNorm: re-estimate BatchNormalization moving statistics for the current weights.

During training BN keeps an exponential average (momentum 0.99) of batch statistics computed with
*past* weights. While the learning rate is large those lag the weights, and inference-mode
accuracy falls far below what the weights can do (the seed-001 network after one Adam epoch:
0.833 with the running averages, 0.881 after re-estimation). Averaging the statistics of a few
training batches under the current weights fixes that (Wu & Johnson 2021, "Rethinking 'Batch' in
BatchNorm", section 3: "precise BN").
"""

from __future__ import annotations

import logging

import keras
import numpy as np

log = logging.getLogger(__name__)


def batchnorm_layers(model) -> list:
    """The trainable BatchNormalization layers of ``model``, nested models and blocks included.

    A frozen BN layer (``trainable=False``) runs in inference mode and is left as it is.
    """
    # _flatten_layers also finds BN layers held as attributes of custom blocks, which .layers misses.
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable]


def recalibrate_batchnorm(model, x, batches: int = 20, batch_size: int = 256, seed=None) -> int:
    """Set every trainable BN layer's moving mean/variance to the average over ``batches`` random
    training batches of ``x`` (forward passes in training mode; no weight changes).

    Returns the number of BN layers updated (0: nothing to do, no forward pass run).
    """
    layers = batchnorm_layers(model)
    if not layers or batches < 1:
        return 0
    n = len(x)
    if n == 0:
        raise ValueError("recalibrate_batchnorm: x is empty; pass the training images")
    rng = np.random.default_rng(seed)
    take = min(n, batches * batch_size)
    index = np.sort(rng.choice(n, size=take, replace=False))  # sorted: cheaper gathers, same sample
    saved = [layer.momentum for layer in layers]
    try:
        for k, start in enumerate(range(0, take, batch_size)):
            # moving = m·moving + (1 − m)·batch with m = 1 − 1/(k+1) is the running mean of the
            # batch statistics seen so far; the first batch (m = 0) overwrites the stale average.
            for layer in layers:
                layer.momentum = 1.0 - 1.0 / (k + 1)
            model(_rows(x, index[start:start + batch_size]), training=True)
    finally:
        for layer, momentum in zip(layers, saved):
            layer.momentum = momentum
    return len(layers)


def _rows(x, index):
    if isinstance(x, np.ndarray):
        return x[index]
    return keras.ops.take(x, keras.ops.convert_to_tensor(index), axis=0)


class PreciseBatchNorm(keras.callbacks.Callback):
    """``recalibrate_batchnorm`` before validation and at every epoch end (once per epoch), and at
    the end of a run stopped early, so validation, checkpoints and the final model see statistics
    that match their weights.

    Place it after ``keras.callbacks.SwapEMAWeights(swap_on_epoch=True)`` so the statistics are
    estimated for the averaged weights that are evaluated and kept.
    """

    def __init__(self, x, batches: int = 20, batch_size: int = 256, seed=None):
        super().__init__()
        self.x, self.batches, self.batch_size = x, int(batches), int(batch_size)
        self._seed = seed
        self._fitting = False
        self._fresh = False
        self._calls = 0

    def recalibrate(self) -> None:
        # A new sample each time (seed + call number): deterministic for a seed, not the same batches.
        seed = None if self._seed is None else (int(self._seed), self._calls)
        self._calls += 1
        recalibrate_batchnorm(self.model, self.x, self.batches, self.batch_size, seed=seed)
        self._fresh = True

    def on_train_begin(self, logs=None):
        self._fitting, self._fresh = True, False

    def on_epoch_begin(self, epoch, logs=None):
        self._fresh = False

    def on_test_begin(self, logs=None):
        # Fires for the validation pass inside fit (same callback list), before on_epoch_end.
        if self._fitting and not self._fresh:
            self.recalibrate()

    def on_epoch_end(self, epoch, logs=None):
        if not self._fresh:
            self.recalibrate()

    def on_train_end(self, logs=None):
        self._fitting = False
        if self.model.stop_training:  # stopped early: the final weights may differ from the epoch end's
            self.recalibrate()
