"""cnnkit.layers.SeparableConv2D against keras.layers.SeparableConv2D (same weights → same outputs)."""

import keras
import numpy as np
import pytest

from cnnkit.analysis import conv_output_size, separable_conv2d_params
from cnnkit.layers import SeparableConv2D

# (input H, W, C), constructor arguments shared by both layers.
CASES = [
    ((9, 9, 3), dict(filters=4, kernel_size=3)),
    ((10, 11, 5), dict(filters=6, kernel_size=3, strides=2, padding="same", depth_multiplier=2)),
    ((12, 12, 4), dict(filters=8, kernel_size=5, padding="same", depth_multiplier=3, activation="relu")),
    ((13, 9, 2), dict(filters=3, kernel_size=(3, 5), strides=2, use_bias=False)),  # TF needs equal strides
    ((11, 11, 3), dict(filters=5, kernel_size=3, padding="same", dilation_rate=2)),
    ((8, 8, 6), dict(filters=7, kernel_size=1, depth_multiplier=2)),
]


@pytest.mark.parametrize("shape, kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_same_outputs_params_and_shape_as_keras(shape, kwargs):
    ours, theirs = SeparableConv2D(**kwargs), keras.layers.SeparableConv2D(**kwargs)
    x = np.random.default_rng(0).standard_normal((2, *shape)).astype("float32")
    theirs_out = theirs(x)
    ours.build((None, *shape))
    assert [w.shape for w in ours.weights] == [w.shape for w in theirs.weights]
    # Keras initialises the bias to zeros; give it values so the bias path is tested too.
    weights = [w + 0.1 if w.ndim == 1 else w for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    assert theirs_out.shape == ours(x).shape

    assert ours.count_params() == theirs.count_params()
    # The course formula (DESIGN.md: k·k·C_in·dm + C_in·dm·F (+F)) agrees with both.
    assert ours.count_params() == separable_conv2d_params(
        kwargs["kernel_size"], shape[2], kwargs["filters"], kwargs.get("depth_multiplier", 1),
        kwargs.get("use_bias", True))
    assert ours.compute_output_shape((None, *shape)) == theirs.compute_output_shape((None, *shape))


def test_is_a_depthwise_stage_then_a_pointwise_stage():
    """Same result as keras's DepthwiseConv2D followed by a 1x1 Conv2D holding the same kernels."""
    x = np.random.default_rng(1).standard_normal((2, 10, 10, 3)).astype("float32")
    sep = SeparableConv2D(5, 3, strides=2, padding="same", depth_multiplier=2, use_bias=False)
    y = sep(x)
    depthwise = keras.layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2,
                                             use_bias=False)
    pointwise = keras.layers.Conv2D(5, 1, use_bias=False)
    depthwise.build(x.shape)
    pointwise.build((2, 5, 5, 6))
    depthwise.set_weights([sep.depthwise_kernel.numpy()])
    pointwise.set_weights([sep.pointwise_kernel.numpy()])
    np.testing.assert_allclose(y, pointwise(depthwise(x)), rtol=1e-5, atol=1e-5)
    assert y.shape[1] == conv_output_size(10, 3, 2, "same")


def test_config_round_trip_and_bad_padding():
    layer = SeparableConv2D(4, (3, 5), strides=2, padding="same", depth_multiplier=2,
                            activation="relu", use_bias=False, name="sep")
    clone = SeparableConv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    # Keras's own layer accepts our config: the arguments are the same.
    keras_clone = keras.layers.SeparableConv2D.from_config(layer.get_config())
    assert keras_clone.kernel_size == (3, 5) and keras_clone.depth_multiplier == 2
    with pytest.raises(ValueError, match='"valid" or "same"'):
        SeparableConv2D(4, 3, padding="full")
