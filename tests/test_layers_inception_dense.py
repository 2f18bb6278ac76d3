"""InceptionModule, AuxiliaryClassifier, DenseBlock and TransitionLayer: shapes, counts and costs."""

import keras
import numpy as np
import pytest

from cnnkit.analysis import (batch_norm_params, conv2d_macs, conv2d_params, conv_output_size,
                             dense_params, pool_output_size)
from cnnkit.layers import AuxiliaryClassifier, DenseBlock, InceptionModule, TransitionLayer

SEED000_INPUT = (None, 28, 28, 192)  # seed 000's worked example: a 28x28x192 input


def _conv_cost(conv, input_hw):
    """MACs of one stride-1 branch convolution, from its own config and the output size formula."""
    h, w = (conv_output_size(n, k, 1, conv.padding) for n, k in zip(input_hw, conv.kernel_size))
    return conv2d_macs(h, w, conv.kernel_size, conv.kernel.shape[2], conv.filters)


def test_naive_module_5x5_branch_costs_120m_macs():
    module = InceptionModule(64, filters_3x3=128, filters_5x5=32, naive=True)
    module.build(SEED000_INPUT)
    (conv,) = module.convolutions("5x5")
    assert (conv.kernel_size, conv.kernel.shape[2], conv.filters) == ((5, 5), 192, 32)
    # DESIGN.md / seed 000: 28·28·32·5·5·192 = 120,422,400 ("120M").
    assert _conv_cost(conv, (28, 28)) == 120_422_400
    # Without reductions the pool branch passes all 192 channels through: 64 + 128 + 32 + 192.
    assert module.compute_output_shape(SEED000_INPUT) == (None, 28, 28, 416)
    assert module(np.zeros((1, 28, 28, 192), "float32")).shape == (1, 28, 28, 416)


def test_reduced_module_5x5_branch_costs_12_4m_macs():
    module = InceptionModule(64, 96, 128, 16, 32, 32)  # GoogLeNet's inception (3a)
    module.build(SEED000_INPUT)
    reduce, conv = module.convolutions("5x5")
    assert (reduce.kernel_size, reduce.kernel.shape[2], reduce.filters) == ((1, 1), 192, 16)
    assert (conv.kernel_size, conv.kernel.shape[2], conv.filters) == ((5, 5), 16, 32)
    # DESIGN.md / seed 000: 1x1 → 16 first, then 5x5 → 32: 12,443,648 MACs ("12.4M").
    assert _conv_cost(reduce, (28, 28)) + _conv_cost(conv, (28, 28)) == 12_443_648
    # Szegedy et al. 2015, Table 1: inception (3a) output 28x28x256, 128M ops.
    assert module.compute_output_shape(SEED000_INPUT) == (None, 28, 28, 256)
    assert round(module.macs() / 1e6) == 128


def test_module_argument_errors_say_the_fix():
    with pytest.raises(ValueError, match="no 1x1 reductions"):
        InceptionModule(64, 96, 128, 16, 32, 32, naive=True)
    with pytest.raises(ValueError, match="#3x3 reduce"):
        InceptionModule(64, filters_3x3=128, filters_5x5=32)
    with pytest.raises(ValueError, match="factorization"):
        InceptionModule(64, 96, 128, 16, 32, 32, factorization="5x5")


def test_factorised_variants_replace_the_large_kernels():
    shape = (None, 17, 17, 64)
    v2 = InceptionModule(32, 24, 32, 16, 48, 32, factorization="3x3", pool="avg", batch_norm=True)
    v2.build(shape)
    assert [c.kernel_size for c in v2.convolutions("5x5")] == [(1, 1), (3, 3), (3, 3)]
    asym = InceptionModule(32, 24, 32, 16, 48, 32, factorization="asymmetric", n=7)
    asym.build(shape)
    assert [c.kernel_size for c in asym.convolutions("3x3")] == [(1, 1), (1, 7), (7, 1)]
    assert [(c.kernel_size, c.filters) for c in asym.convolutions("5x5")] == [
        ((1, 1), 16), ((1, 7), 16), ((7, 1), 16), ((1, 7), 16), ((7, 1), 48)]
    for module in (v2, asym):
        assert not [c for c in module.convolutions() if max(c.kernel_size) == 5]
        x = np.zeros((2, 17, 17, 64), "float32")
        assert module(x).shape == (2, 17, 17, 32 + 32 + 48 + 32)
    # Two 3x3 instead of one 5x5 (seed 000, Inception v2): 2·9 = 18 weights per channel pair
    # instead of 25, so the same 16 → 48 path costs 18/25 of the 5x5.
    five = InceptionModule(32, 24, 32, 16, 48, 32)
    five.build(shape)
    cost = lambda m: sum(_conv_cost(c, (17, 17)) for c in m.convolutions("5x5")[1:])
    assert cost(five) == conv2d_macs(17, 17, 5, 16, 48)
    assert cost(v2) == conv2d_macs(17, 17, 3, 16, 48) + conv2d_macs(17, 17, 3, 48, 48)


def test_auxiliary_classifier_matches_design_spec_at_14x14():
    aux = AuxiliaryClassifier(1000)
    aux.build((None, 14, 14, 512))  # inception (4a) at a 224 input
    assert aux.pooled_size((None, 14, 14, 512)) == (4, 4)  # avg-pool 5x5 stride 3
    # DESIGN.md: 1x1 conv 128 + ReLU → FC 1024 + ReLU → dropout 0.7 → FC classes.
    expected = conv2d_params(1, 512, 128) + dense_params(4 * 4 * 128, 1024) + dense_params(1024, 1000)
    assert aux.count_params() == expected
    config = aux.get_config()
    assert (config["pool_size"], config["strides"], config["filters"], config["units"],
            config["dropout_rate"]) == (5, 3, 128, 1024, 0.7)


def test_auxiliary_classifier_degrades_on_small_maps():
    aux = AuxiliaryClassifier(10)
    x = np.random.default_rng(0).random((3, 2, 2, 512)).astype("float32")
    assert aux(x).shape == (3, 10)
    assert aux.pooled_size((None, 2, 2, 512)) == (1, 1)  # window min(5, 2) = 2
    np.testing.assert_allclose(np.sum(aux(x), axis=-1), 1.0, rtol=1e-5)


def _bn(c):
    return batch_norm_params(c)["total"]


def test_dense_block_grows_by_k_per_layer_with_bottleneck_counts():
    c0, k, n = 24, 12, 3
    block = DenseBlock(n, k, bottleneck=True)
    block.build((None, 8, 8, c0))
    assert block.compute_output_shape((None, 8, 8, c0)) == (None, 8, 8, c0 + n * k)
    # Each dense layer: BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k) on C_in = c0 + i·k, no biases.
    expected = sum(_bn(c0 + i * k) + conv2d_params(1, c0 + i * k, 4 * k, bias=False)
                   + _bn(4 * k) + conv2d_params(3, 4 * k, k, bias=False) for i in range(n))
    assert block.count_params() == expected
    plain = DenseBlock(n, k, bottleneck=False)
    plain.build((None, 8, 8, c0))
    assert plain.count_params() == sum(_bn(c0 + i * k) + conv2d_params(3, c0 + i * k, k, bias=False)
                                       for i in range(n))
    x = np.random.default_rng(0).random((2, 8, 8, c0)).astype("float32")
    y = block(x)
    assert y.shape == (2, 8, 8, c0 + n * k)
    np.testing.assert_array_equal(y[..., :c0], x)  # the input is passed on unchanged (concatenation)


def test_dense_block_batch_norm_follows_the_training_flag():
    block = DenseBlock(2, 4)
    x = np.random.default_rng(1).random((4, 5, 5, 8)).astype("float32") * 3 + 1
    assert not np.allclose(block(x, training=True), block(x, training=False))


@pytest.mark.parametrize("size, compression", [(8, 0.5), (7, 0.5), (8, 1.0)])
def test_transition_layer_compresses_and_halves(size, compression):
    c_in = 45
    layer = TransitionLayer(compression)
    x = np.zeros((1, size, size, c_in), "float32")
    out = pool_output_size(size, 2, 2)
    expected_c = int(c_in * compression)  # Huang et al. §3: ⌊θ·m⌋ output feature maps
    assert layer(x).shape == (1, out, out, expected_c)
    assert layer.compute_output_shape((None, size, size, c_in)) == (None, out, out, expected_c)
    assert layer.count_params() == _bn(c_in) + conv2d_params(1, c_in, expected_c, bias=False)


def test_transition_layer_rejects_bad_compression():
    with pytest.raises(ValueError, match=r"compression θ must be in \(0, 1\]"):
        TransitionLayer(1.5)


def test_layers_pass_gradients_to_every_weight():
    import tensorflow as tf

    inp = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(8, 3, padding="same")(inp)
    x = InceptionModule(4, 4, 8, 2, 4, 4, batch_norm=True)(x)
    x = DenseBlock(2, 4, dropout_rate=0.1)(x)
    x = TransitionLayer(0.5)(x)
    out = keras.layers.Dense(3, activation="softmax")(keras.layers.GlobalAveragePooling2D()(x))
    model = keras.Model(inp, out)
    rng = np.random.default_rng(2)
    x, y = rng.random((8, 8, 8, 3)).astype("float32"), rng.integers(0, 3, 8)
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_weights)
    # Every kernel, bias, γ and β inside the custom layers is on the gradient path.
    assert len(grads) == len(model.trainable_weights) > 20
    assert all(g is not None and np.any(g.numpy() != 0) for g in grads)
